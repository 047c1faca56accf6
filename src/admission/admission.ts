import { callEnd, checkDestination, type CallEnd } from "../core/index.js";
import type { ConcurrencyLimiter } from "./concurrency.js";
import { judgeScam, type ScamVerdict } from "./scam-rules.js";

export interface AdmissionRequest {
  readonly workspaceId: string;
  readonly callId: string;
  readonly billingStatus: "active" | "inactive" | "overdue";
  readonly concurrencyLimit: number;
  /** Outbound phone calls only: the dialed number and the kind of number dialing it. */
  readonly destination?: { readonly to: string; readonly fromKind: "imported" | "purchased"; readonly ignoreE164Validation: boolean };
  /** The agent's texts the scam rules read, and an operator's verdict if any. */
  readonly agentTexts: Readonly<Record<string, unknown>>;
  readonly operatorScamFlag: boolean | undefined;
  /** Where a refusal happens: an API request or an inbound INVITE. */
  readonly phase: "admission" | "inbound_setup";
}

export type AdmissionResult =
  | { readonly admitted: true; readonly destination?: string; readonly release: () => Promise<void> }
  | { readonly admitted: false; readonly end: CallEnd; readonly scam?: ScamVerdict };

/**
 * The guards every call passes before it dials or answers, in a fixed order:
 * destination → billing → scam flag → concurrency. The first refusal is the call's reason.
 */
export class Admission {
  constructor(private readonly limiter: ConcurrencyLimiter) {}

  /** Runs the guards; on success the caller owns a concurrency lease until `release`. */
  async admit(req: AdmissionRequest): Promise<AdmissionResult> {
    let destination: string | undefined;
    if (req.destination) {
      const d = checkDestination(req.destination.to, req.destination.fromKind, req.destination.ignoreE164Validation);
      if (!d.ok) {
        return { admitted: false, end: callEnd("invalid_destination", { phase: req.phase, message: d.message, subReason: d.problem }) };
      }
      destination = d.e164;
    }
    if (req.billingStatus !== "active") {
      return {
        admitted: false,
        end: callEnd("no_valid_payment", { phase: req.phase, message: `the workspace's billing status is ${req.billingStatus}` }),
      };
    }
    const scam = judgeScam(req.agentTexts, req.operatorScamFlag);
    if (scam.flagged) {
      const why = scam.by === "operator" ? "an operator flagged the agent as a scam" : `the agent's ${scam.matches.map((m) => `${m.field} ${m.why}`).join("; ")}`;
      return { admitted: false, end: callEnd("scam_detected", { phase: req.phase, message: why, subReason: scam.by }), scam };
    }
    const lease = await this.limiter.acquire(req.workspaceId, req.callId, req.concurrencyLimit);
    if (!lease.ok) {
      return {
        admitted: false,
        end: callEnd("concurrency_limit_reached", {
          phase: req.phase,
          message: `the workspace has ${lease.current} of ${req.concurrencyLimit} concurrent calls in progress`,
        }),
      };
    }
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      await this.limiter.release(req.workspaceId, req.callId);
    };
    return destination !== undefined ? { admitted: true, destination, release } : { admitted: true, release };
  }
}
