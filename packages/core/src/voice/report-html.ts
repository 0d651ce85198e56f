// The report a platform team opens in a browser and shares (pure): one self-contained HTML page, the same for the
// digest's stored full report, `eks-warden scan --format html` and `eks-warden digest --format html`
// (report-page.ts builds its input from each).
//
// Everything on it is data from the fleet, so attacker-controlled (cluster names, tag values, finding messages): every
// string goes through the one sanitiser (text.ts) and is escaped here, in element content and in quoted attributes
// alike. The page loads nothing (no CDN, no font, no image): a Content-Security-Policy of `default-src 'none'` allows
// only the one inline style sheet and the one inline script, by their SHA-256 hashes computed as the page is rendered,
// so even a string that escaped the escaping could run nothing. The script reads the table through the DOM
// (textContent, dataset) and never writes HTML.

import { createHash } from "node:crypto";
import { SEVERITIES, SEVERITY_RANK, type Severity } from "../model.ts";
import { oneLine } from "../text.ts";
import type { DigestWeekCounts } from "./digest-report.ts";

export type ReportFindingStatus = "FAIL" | "ERROR" | "EXEMPT";

/** One finding, listed once on the page. */
export interface ReportFinding {
  readonly ruleId: string;
  readonly status: ReportFindingStatus;
  readonly severity: Severity;
  readonly message?: string;
  /** What else the reader needs: an exemption's end, source and reason. */
  readonly note?: string;
}

/** One row of the clusters table, and the owner of its findings. */
export interface ReportCluster {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly account: string;
  /** Version, support window and cost, as one line (the digest has it; a scan does not). */
  readonly support?: string;
  readonly findings: readonly ReportFinding[];
}

export interface ReportSection {
  readonly title: string;
  readonly items: readonly string[];
}

export interface ReportPage {
  readonly title: string;
  /** Lines under the title: when, compared with what, the headline. */
  readonly summary: readonly string[];
  /** What could not be read: shown first, a report with holes must say so. */
  readonly problems: readonly string[];
  /** Further lists (the digest's changes since last week). */
  readonly sections: readonly ReportSection[];
  readonly clusters: readonly ReportCluster[];
  /** Open findings by severity per stored week, oldest first; empty: no chart (a scan is one point in time). */
  readonly history: readonly DigestWeekCounts[];
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

/** Escapes text for HTML element content and quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"'`]/g, (character) => HTML_ESCAPES[character]!);
}

/** Untrusted text for the page: sanitised as in the message (a bidi override reorders a browser's line as well), escaped, never cut: the page is the full report. */
const html = (value: unknown): string => escapeHtml(oneLine(value ?? "", Number.POSITIVE_INFINITY));

const severityClass = (severity: Severity): string => `sev-${severity.toLowerCase()}`;

/** Print-friendly, severity told by text and colour together; no `style` attribute anywhere (the CSP allows none). */
export const REPORT_CSS = `
:root{--critical:#8b0000;--high:#c2410c;--medium:#8a5a00;--low:#1d4ed8;--info:#475569;--error:#6b21a8;--line:#d4d4d8;--muted:#52525b}
*{box-sizing:border-box}
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0 auto;padding:24px 32px;max-width:1400px;color:#18181b;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:10px 0 4px;display:inline}
summary{cursor:pointer;margin:6px 0}
p.meta{color:var(--muted);margin:2px 0}
.counts{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0}
.count{border:1px solid var(--line);border-left:8px solid var(--info);border-radius:6px;padding:8px 14px;min-width:130px}
.count .n{display:block;font-size:28px;font-weight:700;line-height:1.1}
.count .label{font-size:12px;font-weight:600;letter-spacing:.04em}
.count.sev-critical{border-left-color:var(--critical)}.count.sev-high{border-left-color:var(--high)}.count.sev-medium{border-left-color:var(--medium)}.count.sev-low{border-left-color:var(--low)}.count.status-error{border-left-color:var(--error)}
.badge{display:inline-block;min-width:74px;text-align:center;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:700;color:#fff;background:var(--info)}
.badge.sev-critical{background:var(--critical)}.badge.sev-high{background:var(--high)}.badge.sev-medium{background:var(--medium)}.badge.sev-low{background:var(--low)}
.badge.status-error{background:var(--error)}.badge.status-exempt{background:#fff;color:#18181b;border:1px dashed var(--muted)}.badge.status-fail{background:#fff;color:#18181b;border:1px solid #18181b}
.problems{border:1px solid var(--critical);background:#fef2f2;border-radius:6px;padding:4px 16px;margin:16px 0}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;vertical-align:top;text-align:left}
th{background:#f4f4f5;position:sticky;top:0}
th button{font:inherit;font-weight:700;border:0;background:none;padding:0;cursor:pointer;color:inherit}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
#findings td:nth-child(-n+6){white-space:nowrap}
small,.arn{color:var(--muted);font-size:12px;word-break:break-all}
.controls{display:flex;flex-wrap:wrap;gap:12px;align-items:end;margin:8px 0}
.controls label{display:flex;flex-direction:column;font-size:12px;font-weight:600}
.controls select{font:inherit;min-width:150px}
#shown{color:var(--muted)}
.chart svg{max-width:100%;height:auto}
.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:12px;margin:4px 0}
.swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border:1px solid #0003}
.swatch.sev-critical{background:var(--critical)}.swatch.sev-high{background:var(--high)}.swatch.sev-medium{background:var(--medium)}.swatch.sev-low{background:var(--low)}.swatch.sev-info{background:var(--info)}
@media print{
body{padding:0;max-width:none;font-size:11px}
.controls,th button::after{display:none}
details:not([open]) ul{display:none}
th{position:static}
thead{display:table-header-group}
tr,.count{break-inside:avoid}
h2{break-after:avoid}
*{print-color-adjust:exact;-webkit-print-color-adjust:exact}
}
`;

/**
 * Sorting and filtering of the findings table (vanilla, no library). Reads rows' data-* attributes; moves rows, sets
 * `hidden`, writes numbers with textContent: it never parses markup, so what the table holds stays text.
 */
export const REPORT_SCRIPT = `
"use strict";
(function () {
  var table = document.getElementById("findings");
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var shown = document.getElementById("shown");
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  function filter() {
    var wanted = selects.map(function (select) { return [select.getAttribute("data-filter"), select.value]; });
    var count = 0;
    rows.forEach(function (row) {
      var keep = wanted.every(function (pair) { return pair[1] === "" || row.getAttribute("data-" + pair[0]) === pair[1]; });
      row.hidden = !keep;
      if (keep) count += 1;
    });
    shown.textContent = count + " of " + rows.length + " findings shown";
  }
  selects.forEach(function (select) { select.addEventListener("change", filter); });
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (header) {
    var button = header.querySelector("button[data-sort]");
    if (!button) return;
    button.addEventListener("click", function () {
      var key = button.getAttribute("data-sort");
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var value = key === "severity"
        ? function (row) { return Number(row.getAttribute("data-rank")); }
        : function (row) { return row.getAttribute("data-" + key) || ""; };
      var order = rows.map(function (row, index) { return { row: row, value: value(row), index: index }; });
      order.sort(function (left, right) {
        var compared = typeof left.value === "number" ? left.value - right.value : left.value.localeCompare(right.value);
        return (ascending ? compared : -compared) || left.index - right.index;
      });
      rows = order.map(function (entry) { return entry.row; });
      var fragment = document.createDocumentFragment();
      rows.forEach(function (row) { fragment.appendChild(row); });
      body.appendChild(fragment);
    });
  });
  filter();
})();
`;

/** The CSP source of an inline element's exact text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** Nothing is loaded; the one style sheet and the one script run by hash; no base, no form. (frame-ancestors is ignored, with a console error, in a <meta> CSP.) */
export function reportCsp(css: string, script: string): string {
  return `default-src 'none'; style-src ${cspHash(css)}; script-src ${cspHash(script)}; base-uri 'none'; form-action 'none'`;
}

export interface ReportCounts {
  /** FAIL findings by severity: what is open. */
  readonly open: Readonly<Record<Severity, number>>;
  readonly errors: number;
  readonly exempt: number;
  readonly findings: number;
}

export function reportCounts(clusters: readonly ReportCluster[]): ReportCounts {
  const open = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  let errors = 0;
  let exempt = 0;
  let findings = 0;
  for (const cluster of clusters) {
    for (const finding of cluster.findings) {
      findings += 1;
      if (finding.status === "FAIL") open[finding.severity] += 1;
      else if (finding.status === "ERROR") errors += 1;
      else exempt += 1;
    }
  }
  return { open, errors, exempt, findings };
}

function countsHtml(counts: ReportCounts): string {
  const cards = SEVERITIES.map((severity) => `<div class="count ${severityClass(severity)}" data-count="${severity}"><span class="n">${counts.open[severity]}</span><span class="label">${severity}</span></div>`);
  cards.push(`<div class="count status-error" data-count="ERROR"><span class="n">${counts.errors}</span><span class="label">COULD NOT EVALUATE</span></div>`);
  cards.push(`<div class="count status-exempt" data-count="EXEMPT"><span class="n">${counts.exempt}</span><span class="label">EXEMPT</span></div>`);
  return `<section aria-label="Open findings by severity"><h2>Open findings by severity</h2><div class="counts">${cards.join("")}</div></section>`;
}

const CHART_COLOURS: Readonly<Record<Severity, string>> = { CRITICAL: "#8b0000", HIGH: "#c2410c", MEDIUM: "#8a5a00", LOW: "#1d4ed8", INFO: "#475569" };

/** Stacked bars, one per stored week, worst severity at the bottom; each bar says its total, each part its count in a <title>. */
export function historySvg(history: readonly DigestWeekCounts[]): string {
  const weeks = history.slice(-26);
  const barWidth = 28;
  const gap = 14;
  const left = 44;
  const top = 18;
  const plotHeight = 160;
  const width = left + weeks.length * (barWidth + gap) + gap;
  const height = top + plotHeight + 40;
  const total = (week: DigestWeekCounts) => SEVERITIES.reduce((sum, severity) => sum + (week.open[severity] ?? 0), 0);
  const highest = Math.max(1, ...weeks.map(total));
  const scale = plotHeight / highest;
  const baseline = top + plotHeight;
  const parts: string[] = [
    `<line x1="${left}" y1="${baseline}" x2="${width}" y2="${baseline}" stroke="#71717a"/>`,
    `<text x="${left - 6}" y="${baseline + 4}" text-anchor="end" font-size="11">0</text>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end" font-size="11">${highest}</text>`,
    `<line x1="${left}" y1="${top}" x2="${width}" y2="${top}" stroke="#e4e4e7"/>`,
  ];
  weeks.forEach((week, index) => {
    const x = left + gap + index * (barWidth + gap);
    let y = baseline;
    const segments: string[] = [];
    for (const severity of SEVERITIES) {
      const count = week.open[severity] ?? 0;
      if (count === 0) continue;
      const barHeight = count * scale;
      y -= barHeight;
      segments.push(`<rect x="${x}" y="${y.toFixed(1)}" width="${barWidth}" height="${barHeight.toFixed(1)}" fill="${CHART_COLOURS[severity]}" data-severity="${severity}"><title>${html(week.week)}: ${count} ${severity}</title></rect>`);
    }
    const description = `${html(week.week)}: ${total(week)} open (${SEVERITIES.map((severity) => `${week.open[severity] ?? 0} ${severity}`).join(", ")})`;
    parts.push(
      `<g class="week" data-week="${html(week.week)}" data-total="${total(week)}"><title>${description}</title>${segments.join("")}` +
        `<text x="${x + barWidth / 2}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="11">${total(week)}</text>` +
        `<text x="${x + barWidth / 2}" y="${baseline + 14}" text-anchor="middle" font-size="10">${html(week.week.replace(/^\d{4}-/, ""))}</text></g>`,
    );
  });
  const label = `Open findings by severity over ${weeks.length} week${weeks.length === 1 ? "" : "s"}, ${html(weeks[0]?.week ?? "")} to ${html(weeks.at(-1)?.week ?? "")}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${label}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" fill="#18181b">${parts.join("")}</svg>`;
}

function historyHtml(history: readonly DigestWeekCounts[]): string {
  if (history.length === 0) return "";
  const legend = SEVERITIES.map((severity) => `<span><span class="swatch ${severityClass(severity)}"></span>${severity}</span>`).join("");
  const note = history.length === 1 ? `<p class="meta">The history starts with this digest: each weekly digest adds a bar.</p>` : "";
  return `<section class="chart" id="history"><h2>Open findings by week</h2><div class="legend">${legend}</div>${historySvg(history)}${note}</section>`;
}

function optionsHtml(values: readonly string[]): string {
  return `<option value="">all</option>${values.map((value) => `<option value="${html(value)}">${html(value)}</option>`).join("")}`;
}

const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort((left, right) => left.localeCompare(right));

interface FindingRow {
  readonly cluster: ReportCluster;
  readonly finding: ReportFinding;
}

const STATUS_ORDER: Readonly<Record<ReportFindingStatus, number>> = { FAIL: 0, ERROR: 1, EXEMPT: 2 };

function findingRowHtml({ cluster, finding }: FindingRow): string {
  const detail = [finding.message, finding.note].filter((part): part is string => Boolean(part)).map(html).join("<br>");
  return (
    `<tr data-severity="${html(finding.severity)}" data-rank="${SEVERITY_RANK[finding.severity] ?? -1}" data-status="${html(finding.status)}" data-rule="${html(finding.ruleId)}" data-cluster="${html(cluster.name)}" data-account="${html(cluster.account)}" data-region="${html(cluster.region)}">` +
    `<td><span class="badge ${html(severityClass(finding.severity))}">${html(finding.severity)}</span></td>` +
    `<td><span class="badge status-${html(finding.status.toLowerCase())}">${html(finding.status)}</span></td>` +
    `<td>${html(finding.ruleId)}</td><td>${html(cluster.name)}</td><td>${html(cluster.account)}</td><td>${html(cluster.region)}</td><td>${detail}</td></tr>`
  );
}

function findingsHtml(clusters: readonly ReportCluster[]): string {
  // Worst first across the fleet: the first rows are what to fix first, wherever it is.
  const rows: FindingRow[] = clusters
    .flatMap((cluster) => cluster.findings.map((finding) => ({ cluster, finding })))
    .sort(
      (left, right) =>
        STATUS_ORDER[left.finding.status] - STATUS_ORDER[right.finding.status] ||
        SEVERITY_RANK[right.finding.severity] - SEVERITY_RANK[left.finding.severity] ||
        left.finding.ruleId.localeCompare(right.finding.ruleId) ||
        left.cluster.name.localeCompare(right.cluster.name) ||
        left.cluster.arn.localeCompare(right.cluster.arn),
    );
  const present = new Set(rows.map((row) => row.finding.severity));
  const filters = [
    ["severity", "Severity", SEVERITIES.filter((severity) => present.has(severity))],
    ["status", "Status", (["FAIL", "ERROR", "EXEMPT"] as const).filter((status) => rows.some((row) => row.finding.status === status))],
    ["rule", "Rule", sortedUnique(rows.map((row) => row.finding.ruleId))],
    ["account", "Account", sortedUnique(rows.map((row) => row.cluster.account))],
    ["region", "Region", sortedUnique(rows.map((row) => row.cluster.region))],
  ] as const;
  const controls = filters.map(([key, label, values]) => `<label>${label}<select id="filter-${key}" data-filter="${key}">${optionsHtml(values.map((value) => oneLine(value, Number.POSITIVE_INFINITY)))}</select></label>`).join("");
  const header = (key: string, label: string) => `<th scope="col"><button type="button" data-sort="${key}">${label}</button></th>`;
  return [
    `<section><h2>Findings (${rows.length})</h2>`,
    `<div class="controls">${controls}<span id="shown" aria-live="polite">${rows.length} of ${rows.length} findings shown</span></div>`,
    `<table id="findings"><thead><tr>${header("severity", "Severity")}${header("status", "Status")}${header("rule", "Rule")}${header("cluster", "Cluster")}${header("account", "Account")}${header("region", "Region")}<th scope="col">Detail</th></tr></thead><tbody>`,
    rows.map(findingRowHtml).join("\n"),
    "</tbody></table></section>",
  ].join("\n");
}

function worstOpen(cluster: ReportCluster): Severity | undefined {
  let worst: Severity | undefined;
  for (const finding of cluster.findings) if (finding.status === "FAIL" && (worst === undefined || SEVERITY_RANK[finding.severity] > SEVERITY_RANK[worst])) worst = finding.severity;
  return worst;
}

function clustersHtml(clusters: readonly ReportCluster[]): string {
  const rows = clusters.map((cluster) => {
    const worst = worstOpen(cluster);
    const count = (status: ReportFindingStatus) => cluster.findings.filter((finding) => finding.status === status).length;
    return (
      `<tr data-account="${html(cluster.account)}" data-region="${html(cluster.region)}"><td><b>${html(cluster.name)}</b><br><span class="arn">${html(cluster.arn)}</span></td>` +
      `<td>${html(cluster.account)}</td><td>${html(cluster.region)}</td><td>${html(cluster.support ?? "")}</td>` +
      `<td>${worst ? `<span class="badge ${severityClass(worst)}">${worst}</span>` : "none open"}</td><td class="num">${count("FAIL")}</td><td class="num">${count("ERROR")}</td><td class="num">${count("EXEMPT")}</td></tr>`
    );
  });
  return [
    `<section><h2>Clusters (${clusters.length})</h2>`,
    `<table id="clusters"><thead><tr><th scope="col">Cluster</th><th scope="col">Account</th><th scope="col">Region</th><th scope="col">Version, support, cost</th><th scope="col">Worst open</th><th scope="col">FAIL</th><th scope="col">Could not evaluate</th><th scope="col">Exempt</th></tr></thead><tbody>`,
    rows.join("\n"),
    "</tbody></table></section>",
  ].join("\n");
}

/** Lists longer than this start folded (<details>, no script needed), so a fleet's first digest does not push the findings off screen. */
export const SECTION_OPEN_ITEMS = 20;

function sectionsHtml(sections: readonly ReportSection[]): string {
  return sections
    .filter((section) => section.items.length > 0)
    .map(
      (section) =>
        `<details${section.items.length <= SECTION_OPEN_ITEMS ? " open" : ""}><summary><h3>${html(section.title)} (${section.items.length})</h3></summary><ul>${section.items.map((item) => `<li>${html(item)}</li>`).join("")}</ul></details>`,
    )
    .join("\n");
}

/** The page: counts by severity, the weekly chart, what could not be read, changes, every finding once, every cluster once. */
export function reportHtml(page: ReportPage): string {
  const counts = reportCounts(page.clusters);
  const changes = sectionsHtml(page.sections);
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${reportCsp(REPORT_CSS, REPORT_SCRIPT)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${html(page.title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    "</head><body>",
    `<header><h1>${html(page.title)}</h1>${page.summary.map((line) => `<p class="meta">${html(line)}</p>`).join("")}</header>`,
    countsHtml(counts),
    historyHtml(page.history),
    page.problems.length > 0 ? `<div class="problems" role="alert"><h2>Could not read</h2><ul>${page.problems.map((problem) => `<li>${html(problem)}</li>`).join("")}</ul></div>` : "",
    changes ? `<section><h2>Changes</h2>${changes}</section>` : "",
    findingsHtml(page.clusters),
    clustersHtml(page.clusters),
    `<script>${REPORT_SCRIPT}</script>`,
    "</body></html>",
    "",
  ].join("\n");
}
