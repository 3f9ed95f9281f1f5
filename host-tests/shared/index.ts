// Every suite that must pass on both Node and the XS engine. Add new shared suites here.
import airtime from "./airtime.cases";
import bridge from "./bridge.cases";
import bridgeRules from "./bridge-rules.cases";
import bridgeTopics from "./bridge-topics.cases";
import codec from "./codec.cases";
import console from "./console.cases";
import deviceApi from "./device-api.cases";
import dutyLedger from "./duty-ledger.cases";
import floodBudget from "./flood-budget.cases";
import geo from "./geo.cases";
import insiderAttacks from "./insider-attacks.cases";
import keyBinding from "./key-binding.cases";
import keyIdentity from "./key-identity.cases";
import keyShare from "./key-share.cases";
import type { Suite } from "./harness";
import link from "./link.cases";
import linkRules from "./link-rules.cases";
import mesh from "./mesh.cases";
import meshPart2 from "./mesh-part2.cases";
import nmea from "./nmea.cases";
import routingRules from "./routing-rules.cases";
import secureStation from "./secure-station.cases";
import security from "./security.cases";
import seqnoRequest from "./seqno-request.cases";
import settings from "./settings.cases";

export const sharedSuites: readonly Suite[] = [airtime, dutyLedger, codec, geo, link, linkRules, routingRules, mesh, meshPart2, nmea, settings, console, deviceApi, security, secureStation, insiderAttacks, keyShare, bridgeTopics, bridgeRules, bridge, keyBinding, keyIdentity, seqnoRequest, floodBudget];
