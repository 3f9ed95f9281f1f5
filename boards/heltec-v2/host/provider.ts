// Heltec WiFi LoRa 32 V2 host provider: the `device` global (moddable.md §4–5), built from the
// board profile. Bare specifiers only: this module's own name is "embedded:provider/builtin".
import { buildDevice } from "system5/boards/common/device";
import { io } from "system5/boards/common/esp32-io";
import profile from "system5/board-profile";
import SX127x from "system5/drivers/sx127x/sx127x";

export default buildDevice(profile, io, { sx1276: SX127x });
