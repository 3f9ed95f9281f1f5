// PENDING MERGE — not a typings patch. The SX127x/SX126x driver modules are being written on the
// drivers branch (drivers/sx127x/sx127x.ts, drivers/sx126x/sx126x.ts). Until they land, the board
// providers type-check against this stand-in of what boards/common/device.ts assumes (constructor
// taking the options object described there, close()). Delete this file when the drivers merge:
// tsconfig.app-moddable.json's "system5/*" path then resolves the real modules.

declare module "system5/drivers/sx127x/sx127x" {
  export default class SX127x {
    constructor(options: Record<string, unknown>);
    close(): void;
  }
}

declare module "system5/drivers/sx126x/sx126x" {
  export default class SX126x {
    constructor(options: Record<string, unknown>);
    close(): void;
  }
}
