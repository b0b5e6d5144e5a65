import type { AgentTruth } from '../../src/emulator/model/truth.js';
import { agentLabel, dominantLeg } from '../../src/projection/agent-label.js';

/** What a wallboard tile must say for an agent, from the emulator's ground truth. */
export function expectedLabel(a: AgentTruth): string {
  return agentLabel({
    loggedIn: a.loggedIn,
    presence: a.presence,
    presenceLabel: a.presenceLabel,
    routingStatus: a.routingStatus,
    conversation: dominantLeg(a.conversations.map((c) => c.state)),
  });
}
