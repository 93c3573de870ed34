import type { CallInterceptor, InterceptedCall } from "../operator/context.js";
import type { AnyOperator } from "../operator/operator.js";
import { dependencies, deriveInput, hasConstant } from "./derive.js";
import type { TracedCall } from "./traced-call.js";

/**
 * Records the direct child calls of `target` during one real run: site, derived input,
 * dependencies. Outputs are held only while the run lasts, to find derivations; the result
 * keeps wiring, never values.
 */
export class Recording implements CallInterceptor {
  readonly calls: TracedCall[] = [];
  private readonly outputs: unknown[] = [];
  private readonly occurrences = new Map<AnyOperator, number>();
  /** Time spent deriving inputs: the compile cost of a trace, apart from the run itself. */
  bookkeepingMs = 0;

  constructor(
    private readonly target: AnyOperator,
    private readonly input: unknown,
    private readonly runChild: (call: InterceptedCall) => Promise<unknown>,
  ) {}

  intercept(call: InterceptedCall): Promise<unknown> | undefined {
    if (call.parent !== this.target) return undefined;
    const k = this.calls.length;
    const occurrence = this.occurrences.get(call.operator) ?? 0;
    this.occurrences.set(call.operator, occurrence + 1);
    const startedAt = performance.now();
    let derivation: TracedCall["derivation"];
    try {
      derivation = deriveInput(call.input, [this.input, ...this.outputs]);
    } catch {
      derivation = undefined;
    }
    this.calls.push({
      operator: call.operator,
      occurrence,
      site: `${call.path}#${occurrence}`,
      path: call.path,
      effects: call.operator.effects,
      derivation,
      deps: derivation ? [...dependencies(derivation)] : [],
      constant: derivation !== undefined && hasConstant(derivation),
    });
    this.bookkeepingMs += performance.now() - startedAt;
    const running = this.runChild(call);
    running.then(
      (output) => {
        this.outputs[k] = output;
      },
      () => {},
    );
    return running;
  }
}
