// Loaded by the Security Hub adapter on its first import of findings (why: ./README.md).
export { BatchImportFindingsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
