import { ApiFailure, messageOf } from "./api.js";

/** A form's errors: per field (by request field name) and one for the form as a whole. */
export interface FormErrors {
  readonly fields: Readonly<Record<string, string>>;
  readonly form?: string;
}

export const NO_ERRORS: FormErrors = { fields: {} };

/**
 * Puts a refused request's message next to the field it names (`termination_uri: …`,
 * `body.phone_number is …`); `aliases` maps nested request fields onto the form's own.
 */
export function formErrors(err: unknown, known: readonly string[], aliases: Readonly<Record<string, string>> = {}): FormErrors {
  const message = messageOf(err);
  const raw = err instanceof ApiFailure ? err.field : undefined;
  const field = raw === undefined ? undefined : aliases[raw] ?? raw;
  if (field && known.includes(field)) return { fields: { [field]: message } };
  return { fields: {}, form: message };
}
