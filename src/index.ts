/**
 * ember-xcs: compound AI systems from callable operators, and a JIT that runs their
 * independent work concurrently under one global concurrency budget.
 *
 * @example
 * const pipeline = new SequenceOperator({ operators: [
 *   new MapOperator({ fn: (i: { value: number }) => ({ value: i.value * 2 }) }),
 *   new MapOperator({ fn: (i: { value: number }) => ({ value: i.value + 1 }) }),
 * ]});
 * await pipeline({ value: 5 });       // { value: 11 }
 * await jit(pipeline)({ value: 5 });  // { value: 11 }, from a compiled plan
 */

export { Budget, type SlotWaiter } from "./core/budget.js";
export type { CacheStore } from "./core/cache-setting.js";
export type { Clock, TimerHandle } from "./core/clock.js";
export { realClock } from "./core/clock.js";
export type {
  ErrorCode,
  GraphErrorCode,
  Issue,
  OperatorErrorCode,
  OptionErrorCode,
  ValidationErrorCode,
} from "./core/errors.js";
export {
  AbortError,
  GraphError,
  OperatorError,
  OptionError,
  TimeoutError,
  ValidationError,
} from "./core/errors.js";
export { FakeClock } from "./core/fake-clock.js";
export { DiskCache } from "./datasets/disk-cache.js";
export type { ItemResult, PMapCallOptions, PMapOptions, Progress } from "./datasets/pmap.js";
export { PMapOperator, pmap } from "./datasets/pmap.js";
export type { VMapOptions } from "./datasets/vmap.js";
export { VMapOperator, vmap } from "./datasets/vmap.js";
export type { GlobalOptions } from "./engine/configure.js";
export { configure } from "./engine/configure.js";
export { InlineOperator } from "./engine/inline.js";
export type { CriticalPath } from "./graph/analysis.js";
export type { EdgeKeys, GraphEdge } from "./graph/graph.js";
export { Graph } from "./graph/graph.js";
export type { NodeResult, NodeStatus } from "./graph/results.js";
export type { RunOptions } from "./graph/run-options.js";
export type { JitExplanation } from "./jit/explain.js";
export { explainJitSelection, getJitStats, jit, resetJit } from "./jit/jit.js";
export { JitOperator } from "./jit/jit-operator.js";
export type { RetraceReason } from "./jit/lifecycle.js";
export type { JitMode, JitOptions } from "./jit/options.js";
export { MODES as JIT_MODES } from "./jit/options.js";
export type { Plan } from "./jit/plan.js";
export { JitCache } from "./jit/plan-cache.js";
export type { Selection } from "./jit/select.js";
export { registerStrategy } from "./jit/select.js";
export type { JitStats, NodeStats, Retrace } from "./jit/stats.js";
export type { CompileRequest, Strategy, StrategyScore } from "./jit/strategy.js";
export { ModelOutputError, ProviderError, ProviderFailure } from "./models/errors.js";
export type { JudgeSynthesisOptions, JudgeSynthesisOutput } from "./models/judge-synthesis.js";
export { JudgeSynthesisOperator } from "./models/judge-synthesis.js";
export type { Lease } from "./models/limiter.js";
export { RateLimiter } from "./models/limiter.js";
export type { LLMInput, LLMOperatorOptions } from "./models/llm.js";
export { LLMOperator } from "./models/llm.js";
export type { LLMVerifierOptions, LLMVerifierOutput } from "./models/llm-verifier.js";
export { LLMVerifierOperator } from "./models/llm-verifier.js";
export type { ConversationTemplates, MessageTemplate } from "./models/messages.js";
export type { CallSite, Completion } from "./models/model.js";
export { Model } from "./models/model.js";
export type { Price, PriceTable } from "./models/prices.js";
export { priceFor, resetPrices, setPrices } from "./models/prices.js";
export type { AnthropicProviderOptions } from "./models/providers/anthropic.js";
export { AnthropicProvider } from "./models/providers/anthropic.js";
export type { OpenAIProviderOptions } from "./models/providers/openai.js";
export { OpenAIProvider } from "./models/providers/openai.js";
export type { Latency, SimulatedFaults, SimulatedOptions } from "./models/providers/simulated.js";
export { SimulatedProvider } from "./models/providers/simulated.js";
export type { ModelRef, ProviderOptions } from "./models/registry.js";
export { defaultModelId, ModelRegistry, models } from "./models/registry.js";
export type { CacheEntry, ResponseCache } from "./models/response-cache.js";
export { requestKey } from "./models/response-cache.js";
export type { SelectorJudgeOptions, SelectorJudgeOutput } from "./models/selector-judge.js";
export { SelectorJudgeOperator } from "./models/selector-judge.js";
export type { TemplateInput, TemplateKeys } from "./models/template.js";
export type { ToolLoopOptions, ToolLoopOutput } from "./models/tool-loop.js";
export { agent, ToolLoopOperator } from "./models/tool-loop.js";
export type {
  Tool,
  ToolCallInput,
  ToolCallOutput,
  ToolContext,
  ToolDefinition,
} from "./models/tools.js";
export { ToolOperator, tool } from "./models/tools.js";
export type {
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ModelRequest,
  Provider,
  RateLimits,
  ResponseSchema,
  RetryPolicy as ModelRetryPolicy,
  StreamChunk,
  TokenUsage,
  ToolCall,
  ToolSchema,
} from "./models/types.js";
export type { UniformEnsembleOptions } from "./models/uniform-ensemble.js";
export { UniformEnsemble } from "./models/uniform-ensemble.js";
export type { UsageListener, UsageRecord, UsageScopeResult, UsageTotals } from "./models/usage.js";
export { formatUsage, UsageLedger, usage, withUsage } from "./models/usage.js";
export type { OtelObserverOptions } from "./observe/otel.js";
export { OtelObserver } from "./observe/otel.js";
export type { Recorded, RunRecorderOptions } from "./observe/recorder.js";
export { RunRecorder, record } from "./observe/recorder.js";
export type {
  CallStatus,
  RecordedCall,
  RecordedError,
  RecordedSpeculation,
  RunRecord,
  RunTotals,
  SpeculationOutcome,
} from "./observe/run-record.js";
export { renderTimeline, writeTimeline } from "./observe/timeline.js";
export type {
  CompleteEvent,
  InstantEvent,
  MetadataEvent,
  TraceEvent,
  TraceEventFile,
} from "./observe/trace-events.js";
export { toTraceEvents, writeTraceEvents } from "./observe/trace-events.js";
export type { Child } from "./operator/children.js";
export type { CallContext, CallOptions, LeafExecutor } from "./operator/context.js";
export { withExecutor, withObserver } from "./operator/context.js";
export type { Effects } from "./operator/effects.js";
export { errorPath } from "./operator/error-path.js";
export type { DeclaresKeys, KeySet, StepKeys } from "./operator/keys.js";
export { ALL as ALL_KEYS } from "./operator/keys.js";
export type {
  ChildOptions,
  Lowerable,
  Lowering,
  Ref,
  RunChild,
  StepChecks,
} from "./operator/lowering.js";
export type { PlainObject } from "./operator/objects.js";
export type {
  CallInfo,
  CallObserver,
  CallOutcome,
  SpeculationInfo,
  UsageReport,
} from "./operator/observer.js";
export type { AnyOperator } from "./operator/operator.js";
export { callOperator, isOperator, Operator } from "./operator/operator.js";
export type { Specification } from "./operator/specification.js";
export type { StreamEvent } from "./operator/stream.js";
export type { BranchOptions } from "./operators/branch.js";
export { BranchOperator } from "./operators/branch.js";
export type { ContainerOptions } from "./operators/container.js";
export { ContainerOperator } from "./operators/container.js";
export type { Aggregate, EnsembleOptions } from "./operators/ensemble.js";
export { EnsembleOperator } from "./operators/ensemble.js";
export type { MapInput, MapOptions, MapOutput } from "./operators/map.js";
export { MapOperator } from "./operators/map.js";
export type { MapReduceOptions } from "./operators/map-reduce.js";
export { MapReduceOperator, mapWithConcurrency } from "./operators/map-reduce.js";
export type {
  MostCommonInput,
  MostCommonOptions,
  MostCommonOutput,
} from "./operators/most-common.js";
export { MostCommonOperator, normalizeVote } from "./operators/most-common.js";
export type { ParallelOptions } from "./operators/parallel.js";
export { ParallelOperator } from "./operators/parallel.js";
export type { Backoff, RetryOptions, RetryPolicy, RetryPolicyOptions } from "./operators/retry.js";
export {
  BACKOFFS,
  backoffDelayMs,
  RetryOperator,
  retryPolicy,
  runWithRetry,
} from "./operators/retry.js";
export type { SequenceOptions } from "./operators/sequence.js";
export { SequenceOperator } from "./operators/sequence.js";
export type {
  AllInputs,
  InputOf,
  Merge,
  OutputOf,
  SequenceInput,
  SequenceOutput,
  Simplify,
  Without,
} from "./operators/typing.js";
export type {
  CheckResult,
  Condition,
  ConditionLike,
  Predicate,
  Verdict,
  VerifierOptions,
  VerifierOutput,
} from "./operators/verifier.js";
export {
  all,
  condition,
  matchesPattern,
  notEmpty,
  VerifierOperator,
} from "./operators/verifier.js";
