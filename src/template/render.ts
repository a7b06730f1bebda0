// Rendering: one RenderScope per operation holds the validated input, the appliance values and the
// render time; each template renders against wrappers that encode values for its landing on output.
import { VnfError } from '../errors.js';
import type { FieldSpec } from './data-types.js';
import { encodeValue, type ValueMeta } from './encode.js';
import { compileTemplate, type CompiledTemplate } from './engine.js';
import type { TemplateReference } from './references.js';
import { checkJsonBody } from './json-body.js';
import type { TemplateLanding } from './landing.js';
import { PendingValue, TemplateValue, type EncodeSink } from './value.js';

export interface RenderScopeOptions {
  /** validated input (validateData); absent optional fields are simply not present */
  data?: Readonly<Record<string, unknown>>;
  /** the data declaration: CLI landings re-check each value against its declared type */
  fields?: Readonly<Record<string, FieldSpec>>;
  /** data fields whose values are secrets (typed secret, or secret by name) */
  secretData?: Iterable<string>;
  /** get_cs_data: the appliance's cs_data over its flattened context */
  csData?: Readonly<Record<string, unknown>>;
  /** context keys whose values are secrets (password, api_secret, token ...) */
  secretCs?: Iterable<string>;
  /** render time for {{timestamp}}; a clock is read once, so every template of a scope agrees */
  now?: Date | (() => Date);
}

type Mode = 'real' | 'marker';

export interface RenderOptions {
  /**
   * Plan (dry-run) rendering: a steps.NAME.FIELD value that is not known yet prints as the visible
   * placeholder <steps.NAME.FIELD> (and the JSON body check is left to the real render). The text is
   * for display only and must never be sent.
   */
  stepPlaceholders?: boolean;
}

export interface RenderOutcome {
  text: string;
  /** true when a placeholder was printed: the text is a preview, not sendable */
  deferred: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Word that stands in for string values in the JSON shape check: valid inside a string, invalid outside. */
const MARKER = 'vnf';

const own = (record: Readonly<Record<string, unknown>> | undefined, key: string): unknown =>
  record && Object.hasOwn(record, key) ? record[key] : undefined;

export class RenderScope {
  readonly timestamp: string;
  private readonly data: Readonly<Record<string, unknown>>;
  private readonly fields: Readonly<Record<string, FieldSpec>>;
  private readonly csData: Readonly<Record<string, unknown>>;
  private readonly secretData: ReadonlySet<string>;
  private readonly secretCs: ReadonlySet<string>;
  /** secret values as known up front plus every encoded form one was printed in */
  private readonly secrets = new Set<string>();
  /** results saved by earlier steps (save_as), appliance output: untrusted, encoded like any value */
  private readonly steps = new Map<string, { value: unknown; secret: (field: string) => boolean }>();

  constructor(options: RenderScopeOptions = {}) {
    const now = typeof options.now === 'function' ? options.now() : (options.now ?? new Date());
    this.timestamp = now.toISOString();
    this.data = options.data ?? {};
    this.fields = options.fields ?? {};
    this.csData = options.csData ?? {};
    this.secretData = new Set(options.secretData ?? []);
    this.secretCs = new Set(options.secretCs ?? []);
    for (const name of this.secretData) this.addSecret(own(this.data, name));
    for (const name of this.secretCs) this.addSecret(own(this.csData, name));
  }

  /** Registers a further secret (e.g. a derived Authorization token) for redaction. */
  addSecret(value: unknown): void {
    if ((typeof value === 'string' || typeof value === 'number') && String(value) !== '') this.secrets.add(String(value));
  }

  /**
   * Saves a step's parsed result under its save_as name for steps.NAME.FIELD. `secret` says which
   * field names hold secrets (a token a login step returns): their values are redacted like others.
   */
  setStep(name: string, value: unknown, secret: (field: string) => boolean = () => false): void {
    this.steps.set(name, { value, secret });
    if (!isRecord(value)) return;
    for (const [field, v] of Object.entries(value)) {
      if (secret(field)) this.addSecret(v);
      if (isRecord(v)) for (const [sub, w] of Object.entries(v)) if (secret(sub)) this.addSecret(w);
    }
  }

  /** True when an earlier step saved a result under this name (a skipped step saves nothing). */
  hasStep(name: string): boolean {
    return this.steps.has(name);
  }

  /** Every secret form seen so far, longest first (so a secret containing another is replaced whole). */
  secretForms(): string[] {
    return [...this.secrets].sort((a, b) => b.length - a.length);
  }

  render(source: string, landing: TemplateLanding): string {
    return this.renderCompiled(compileTemplate(source, landing));
  }

  renderCompiled(template: CompiledTemplate): string {
    return this.renderWith(template).text;
  }

  /** Renders with options (plan placeholders); says whether the text is only a preview. */
  renderWith(template: CompiledTemplate, options: RenderOptions = {}): RenderOutcome {
    // a condition on a steps value not known yet cannot be decided now: the step renders (and is
    // sent) only once that value exists; the plan shows what it waits for
    const undecided = options.stepPlaceholders
      ? template.references.filter((r) => r.scope === 'steps' && r.inCondition && !this.steps.has(r.name))
      : [];
    if (undecided.length > 0) return { text: `<depends on ${undecided.map((r) => r.path).join(', ')}>`, deferred: true };
    const landing = template.landing;
    let mode: Mode = 'real';
    let deferred = false;
    const sink: EncodeSink = {
      encode: (value) => {
        const raw = value.raw;
        if (raw instanceof PendingValue) {
          deferred = true;
          return `<${raw.path}>`;
        }
        if (raw === undefined || raw === null) {
          throw new VnfError('VNF_ERR_TEMPLATE_MISSING_VALUE', `template value ${value.meta.name} is missing`);
        }
        if (mode === 'marker' && typeof raw !== 'number' && typeof raw !== 'boolean') return MARKER;
        const out = encodeValue(raw, landing, value.meta);
        if (value.meta.secret && mode === 'real') this.secrets.add(out);
        return out;
      },
    };
    const context = this.context(template, sink, options);
    const real = this.execute(template, context);
    if (landing === 'json' && !deferred) {
      const printed = template.references.filter((r) => !r.conditionalOnly).map((r) => r.path);
      checkJsonBody(real, () => {
        mode = 'marker';
        return this.execute(template, context);
      }, printed);
    }
    return { text: real, deferred };
  }

  /**
   * The condition of a step's `when:` (a compiled `{{#if (...)}}true{{/if}}`): true, false, or
   * undefined when it depends on a steps value not known yet (plan rendering).
   */
  condition(template: CompiledTemplate, options: RenderOptions = {}): boolean | undefined {
    if (options.stepPlaceholders && template.references.some((r) => r.scope === 'steps' && !this.steps.has(r.name))) return undefined;
    return this.renderWith(template).text === 'true';
  }

  private stepValue(ref: TemplateReference, options: RenderOptions): { raw: unknown; secret: boolean } {
    const saved = this.steps.get(ref.name);
    if (!saved) return { raw: options.stepPlaceholders ? new PendingValue(ref.path) : undefined, secret: false };
    let raw: unknown = saved.value;
    let secret = false;
    for (const field of ref.fields ?? []) {
      raw = isRecord(raw) && Object.hasOwn(raw, field) ? raw[field] : undefined;
      secret ||= saved.secret(field);
    }
    return { raw, secret };
  }

  private context(template: CompiledTemplate, sink: EncodeSink, options: RenderOptions): object {
    // null prototypes: a name like "constructor" resolves to our value or to nothing, never to Object.prototype
    const root = Object.create(null) as Record<string, unknown>;
    const getData = Object.create(null) as Record<string, unknown>;
    const getCsData = Object.create(null) as Record<string, unknown>;
    const steps = Object.create(null) as Record<string, Record<string, unknown>>;
    root.get_data = getData;
    root.get_cs_data = getCsData;
    root.steps = steps;
    for (const ref of template.references) {
      if (ref.scope === 'steps') {
        const { raw, secret } = this.stepValue(ref, options);
        const [field, sub] = ref.fields ?? [];
        const saved = (steps[ref.name] ??= Object.create(null) as Record<string, unknown>);
        const value = new TemplateValue(raw, { name: ref.path, secret, origin: 'step' }, sink);
        if (field === undefined) continue;
        if (sub === undefined) saved[field] = value;
        else ((saved[field] ??= Object.create(null) as Record<string, unknown>) as Record<string, unknown>)[sub] = value;
      } else if (ref.scope === 'timestamp') {
        root.timestamp = new TemplateValue(this.timestamp, { name: 'timestamp', secret: false }, sink);
      } else if (ref.scope === 'get_data') {
        const spec = own(this.fields, ref.name) as FieldSpec | undefined;
        const meta: ValueMeta = { name: ref.path, secret: this.secretData.has(ref.name), ...(spec ? { spec } : {}) };
        getData[ref.name] = new TemplateValue(own(this.data, ref.name), meta, sink);
      } else {
        getCsData[ref.name] = new TemplateValue(own(this.csData, ref.name), { name: ref.path, secret: this.secretCs.has(ref.name) }, sink);
      }
    }
    return root;
  }

  private execute(template: CompiledTemplate, context: object): string {
    try {
      return template.execute(context);
    } catch (error) {
      if (error instanceof VnfError) throw error;
      // handlebars messages name paths only, but keep them out of the message all the same
      throw new VnfError('VNF_ERR_TEMPLATE_RENDER', 'template failed to render', { cause: error });
    }
  }
}
