/** The emulators accept any credentials; fixed fake ones keep every client (and DynamoDB Local's data) aligned. */
export const FAKE_CREDENTIALS = { accessKeyId: "AKIAEMBEDDEDLOCAL000", secretAccessKey: "embedded-local-secret" } as const;
