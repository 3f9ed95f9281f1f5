// The version `system5 --version` prints: package.json's, bundled in at build time.
import pkg from "../../package.json" with { type: "json" };

export const VERSION: string = (pkg as { version: string }).version;
