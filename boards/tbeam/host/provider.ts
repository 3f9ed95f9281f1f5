// LILYGO T-Beam v1.1 host provider: the `device` global (moddable.md §4–5), built from the board
// profile. Both radio drivers are linked: the board carries an SX1276 or an SX1262, and
// device.peripheral.lora probes them in profile order. Bare specifiers only (this module's own
// name is "embedded:provider/builtin").
import { buildDevice } from "system5/boards/common/device";
import { io } from "system5/boards/common/esp32-io";
import profile from "system5/board-profile";
import SX126x from "system5/drivers/sx126x/sx126x";
import SX127x from "system5/drivers/sx127x/sx127x";

export default buildDevice(profile, io, { sx1276: SX127x, sx1262: SX126x });
