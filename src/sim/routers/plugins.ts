// Routers registered from outside the simulator. System 5 plugs in here, with one line:
//   registerRouter("system5", "System 5 directed routing (src/core MeshNode)", (ctx) => new MeshNode(...));
// Every program that runs simulations (CLI, bench, worker threads) imports this module, so a
// router registered here is available everywhere, including inside worker threads.
import "./registry";
