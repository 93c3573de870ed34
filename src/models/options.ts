import { OptionError } from "../core/errors.js";

/** Construction-time checks for the LLM operators: bad options fail when built, not mid-run. */
export function checkSampling(
  owner: string,
  options: { temperature?: number; maxTokens?: number },
): void {
  const t = options.temperature;
  if (t !== undefined && !(typeof t === "number" && t >= 0 && t <= 2)) {
    throw new OptionError("invalid_option", {
      where: owner,
      what: "temperature is",
      got: t,
      valid: ["a number from 0 to 2"],
    });
  }
  checkPositiveInteger(owner, "maxTokens", options.maxTokens);
}

export function checkPositiveInteger(owner: string, option: string, value: unknown): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) {
    throw new OptionError("invalid_option", {
      where: owner,
      what: `${option} is`,
      got: value,
      valid: ["an integer >= 1"],
    });
  }
}

export function checkString(
  owner: string,
  option: string,
  value: unknown,
  required: boolean,
): void {
  if (value === undefined && !required) return;
  if (typeof value !== "string" || value === "") {
    throw new OptionError("invalid_option", {
      where: owner,
      what: `${option} is`,
      got: value,
      valid: ["a non-empty string"],
    });
  }
}

export function checkModel(owner: string, value: unknown): void {
  if (typeof value === "string" && value.includes(":")) return;
  if (value !== null && typeof value === "object" && "complete" in value) return;
  throw new OptionError("invalid_option", {
    where: owner,
    what: "model is",
    got: value,
    valid: ["a model id such as openai:gpt-4o-mini or sim:fast", "a Model"],
  });
}
