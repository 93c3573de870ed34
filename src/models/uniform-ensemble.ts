import { OptionError } from "../core/errors.js";
import { EnsembleOperator } from "../operators/ensemble.js";
import { type LLMInput, LLMOperator, type LLMOperatorOptions } from "./llm.js";
import { checkPositiveInteger } from "./options.js";

export interface UniformEnsembleOptions<T, O> extends Omit<LLMOperatorOptions<T, string>, "name"> {
  /** How many samples: one LLMOperator member per sample, all called at once. */
  count: number;
  /** Turns the samples (in member order) into the output. @default samples => ({ responses: samples }) */
  aggregate?: (samples: T[]) => O | PromiseLike<O>;
  /** @default "uniform_ensemble" */
  name?: string;
}

/**
 * `count` samples of one prompt on one model, drawn concurrently: an `EnsembleOperator` whose
 * members are identical `LLMOperator`s. Each member is its own call with its own sample, so
 * with a temperature above 0 the samples differ. The output holds the samples themselves
 * (not the members' `{ response }` objects), ready for `MostCommonOperator` or a judge.
 *
 * @example
 * const samples = new UniformEnsemble({ count: 5, model: "sim:fast", temperature: 0.7, prompt: "{question}" });
 * await samples({ question: "2+2?" }); // { responses: [five strings] }
 */
export class UniformEnsemble<T = string, O = { responses: T[] }> extends EnsembleOperator<
  LLMInput,
  Record<string, T>,
  O
> {
  readonly count: number;

  constructor(options: UniformEnsembleOptions<T, O>) {
    if (options.count === undefined) {
      throw new OptionError("invalid_option", {
        where: "UniformEnsemble",
        what: "count is",
        got: undefined,
        valid: ["an integer >= 1"],
      });
    }
    checkPositiveInteger("UniformEnsemble", "count", options.count);
    const { count, aggregate, name, ...llm } = options;
    const outputKey = llm.outputKey ?? "response";
    const members = Array.from(
      { length: count },
      () => new LLMOperator<T, string>({ ...llm, outputKey }),
    );
    super({
      operators: members,
      name: name ?? "uniform_ensemble",
      aggregate: (outputs) => {
        const samples = outputs.map((o) => o[outputKey] as T);
        return aggregate ? aggregate(samples) : ({ responses: samples } as O);
      },
    });
    this.count = count;
  }
}
