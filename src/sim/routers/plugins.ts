// Routers registered from outside the simulator's baselines. Every program that runs
// simulations (CLI, bench, worker threads) imports this module, so a router registered here is
// available everywhere, including inside worker threads.
import { registerRouter } from "./registry";
import { describeSystem5, system5Destination, system5FrameClass, SYSTEM5_OGM_LOCATION_KINDS, system5Readable, system5Station } from "./system5";

registerRouter("system5", "System 5 directed routing (the src/core MeshNode, unchanged)", system5Station, { destinationOf: system5Destination, readable: system5Readable, frameClass: system5FrameClass, ogmLocationKinds: SYSTEM5_OGM_LOCATION_KINDS, describe: describeSystem5, keyedIds: true });
