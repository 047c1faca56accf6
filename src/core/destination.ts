import { parsePhoneNumberFromString } from "libphonenumber-js/max";

export type DestinationCheck =
  | { readonly ok: true; readonly e164: string; readonly country: string | undefined }
  | { readonly ok: false; readonly problem: "not_e164" | "invalid_number" | "country_not_allowed"; readonly message: string };

const E164_SHAPE = /^\+[1-9]\d{1,14}$/;

/**
 * Validates a dialed destination. Input must already be E.164 (`+`, country code, digits only):
 * Parley never guesses a country for a bare national number.
 */
export function checkE164(raw: string): DestinationCheck {
  if (!E164_SHAPE.test(raw)) {
    return { ok: false, problem: "not_e164", message: `"${raw}" is not E.164: expected "+" then 2 to 15 digits, no spaces or letters` };
  }
  const parsed = parsePhoneNumberFromString(raw);
  if (!parsed || !parsed.isValid()) {
    return { ok: false, problem: "invalid_number", message: `${raw} is not a valid phone number for its country code` };
  }
  return { ok: true, e164: parsed.number, country: parsed.country };
}

/** The outbound policy: purchased numbers may call the US only; imported trunks may call anywhere valid. */
export function checkDestination(raw: string, fromNumberKind: "imported" | "purchased", ignoreE164Validation = false): DestinationCheck {
  if (ignoreE164Validation && fromNumberKind === "imported") {
    return raw.length > 0 && raw.length <= 64 && !/[\s<>"]/.test(raw)
      ? { ok: true, e164: raw, country: undefined }
      : { ok: false, problem: "not_e164", message: `"${raw}" cannot be dialed` };
  }
  const check = checkE164(raw);
  if (!check.ok) return check;
  if (fromNumberKind === "purchased" && check.country !== "US") {
    return { ok: false, problem: "country_not_allowed", message: `a purchased number may call US numbers only; ${raw} is in ${check.country ?? "an unknown country"}` };
  }
  return check;
}
