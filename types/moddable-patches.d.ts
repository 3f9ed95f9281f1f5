// Patches to @moddable/typings 5.6.0 (the only version on npm; moddable.md §3) for what the
// drivers need and the typings lack. Nothing else: every other IO type comes from the typings.
export {};

declare module "embedded:io/spi" {
  // SPI instances have close() at run time (modules/io/spi/spi.js) but the typings omit it.
  // The class is only exported as default, so the patch merges into the default export.
  export default interface SPI {
    close(): void;
  }
}
