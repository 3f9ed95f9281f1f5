// A CA certificate for tests of the mqttca setting (parsing, storage, the console paste): made
// for this project with openssl (EC P-256, self-signed, CN "System 5 test CA", valid to 2036);
// its private key was not kept. 399 bytes DER.
export const TEST_CA_PEM = [
  "-----BEGIN CERTIFICATE-----",
  "MIIBizCCATGgAwIBAgIUSfiyy5/g091eRIoveuTSItam0zcwCgYIKoZIzj0EAwIw",
  "GzEZMBcGA1UEAwwQU3lzdGVtIDUgdGVzdCBDQTAeFw0yNjEyMDQxODIyMjRaFw0z",
  "NjEyMDExODIyMjRaMBsxGTAXBgNVBAMMEFN5c3RlbSA1IHRlc3QgQ0EwWTATBgcq",
  "hkjOPQIBBggqhkjOPQMBBwNCAARFsls7cKD85nStW+PhOWHSyhVSZi+DVJGL4KVU",
  "tf2/u/HuPeVGbDSLi20/5zeHAv07SP4IxjfXRnyTBNTg2N1Qo1MwUTAdBgNVHQ4E",
  "FgQU41q69qfG3r2CXk5el1Jfgm2Lp6MwHwYDVR0jBBgwFoAU41q69qfG3r2CXk5e",
  "l1Jfgm2Lp6MwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA8Itz",
  "Oxa7IMElTXuqt99DDsPDaFBr3g1p0gvSXs7fmIcCIFYjNYHab/yo1bgVBRG3+PXG",
  "lBgxBYDoHGIxmEkncJAU",
  "-----END CERTIFICATE-----",
].join("\n");

/** Its SHA-256 fingerprint as `openssl x509 -noout -fingerprint -sha256` prints it (computed there, not by our code). */
export const TEST_CA_SHA256 = "05:FB:7E:50:C0:70:43:2C:20:AD:BF:0B:82:6A:5C:58:DD:F3:28:2A:D0:9F:E0:5C:4B:92:D6:9C:BF:D9:DF:ED";

/** A server (leaf) certificate, not a CA (basicConstraints critical, CA:FALSE; EC P-256, self-signed,
 * CN and SAN "broker.example", made with openssl for this project, key not kept): mqttca refuses it. */
export const TEST_LEAF_PEM = [
  "-----BEGIN CERTIFICATE-----",
  "MIIBnzCCAUWgAwIBAgIUGi43yf8UgqBuOUawOYvs3Db0LxkwCgYIKoZIzj0EAwIw",
  "GTEXMBUGA1UEAwwOYnJva2VyLmV4YW1wbGUwHhcNMjYxMjA0MTk0MTAxWhcNMzYx",
  "MjAxMTk0MTAxWjAZMRcwFQYDVQQDDA5icm9rZXIuZXhhbXBsZTBZMBMGByqGSM49",
  "AgEGCCqGSM49AwEHA0IABJsq0I6g/TbVkIsvbGP96g1LUERqnNvowxO6SZNLm3Ll",
  "+c+wdyU/l7b61zmEJJUVEL1XlD7J2FKasyFGt7lGC0ejazBpMB0GA1UdDgQWBBQw",
  "IrW4EaXkugOgVHFinUa2mKh4szAfBgNVHSMEGDAWgBQwIrW4EaXkugOgVHFinUa2",
  "mKh4szAMBgNVHRMBAf8EAjAAMBkGA1UdEQQSMBCCDmJyb2tlci5leGFtcGxlMAoG",
  "CCqGSM49BAMCA0gAMEUCIDrf2gpWdpsbBNgarPg38f1ShHmtJX4jADWBO8VZ9iAF",
  "AiEA3URGS3EGFNsgPam5WHvlbU9sjGab/+jvLfJK3GAUKro=",
  "-----END CERTIFICATE-----",
].join("\n");
