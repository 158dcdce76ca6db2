// Mustache as email templates use it: admins write the template, visitors and agents fill
// the values. Narrowed so a value can never become markup or code:
//   - every `{{ x }}` is HTML-escaped, and its line breaks become <br> (a message keeps its
//     lines in clients that ignore `white-space`, and in the text part);
//   - `{{{ x }}}` / `{{& x }}` are rendered escaped anyway, partials and delimiter changes
//     render nothing (templateProblem refuses all three when a template is saved);
//   - lookups see the view's own data only: no lambdas (functions), nothing inherited, so
//     `{{ site.constructor }}` cannot call Object();
//   - an unknown variable renders empty.
// Each call uses its own Writer: Mustache's shared one caches every template it ever saw,
// and previews send a new template at each keystroke.
import Mustache from 'mustache';

/** The shape of a view: a value, an object of fields, or a list of items. */
export type Shape = 'value' | { readonly [field: string]: Shape } | readonly [Shape];

type Token = [type: string, value: string, start: number, end: number, children?: Token[], closeAt?: number];

class DataContext extends Mustache.Context {
  override push(view: unknown): Mustache.Context {
    return new DataContext(view, this);
  }

  /** Mustache's own lookup follows prototypes and calls the functions it finds. */
  override lookup(name: string): unknown {
    const segments = name === '.' ? [] : name.split('.');
    for (let context: Mustache.Context | undefined = this; context; context = context.parent) {
      let value: unknown = context.view;
      const hit = segments.every((segment) => {
        if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return false;
        value = (value as Record<string, unknown>)[segment];
        return true;
      });
      if (hit) return typeof value === 'function' ? undefined : value;
    }
    return undefined;
  }
}

function escapeValue(value: unknown): string {
  return Mustache.escape(String(value)).replace(/\r\n|\r|\n/g, '<br>');
}

/** Unescaped variables become escaped ones; partials and delimiter changes go. */
function defused(tokens: Token[]): Token[] {
  return tokens
    .filter(([type]) => type !== '>' && type !== '=')
    .map((t) => {
      const [type, value, start, end, children, closeAt] = t;
      if (type === '&') return ['name', value, start, end];
      return children ? [type, value, start, end, defused(children), closeAt] : t;
    });
}

function parsed(template: string): { writer: Mustache.Writer; tokens: Token[] } | { error: string } {
  const writer = new Mustache.Writer();
  try {
    return { writer, tokens: writer.parse(template) as Token[] };
  } catch (err) {
    return { error: syntaxMessage(template, err instanceof Error ? err.message : String(err)) };
  }
}

/** Mustache says `Unclosed section "messages" at 120`: people count lines, not characters. */
function syntaxMessage(template: string, message: string): string {
  const at = /\s+at (\d+)$/.exec(message);
  if (!at) return `Template syntax error: ${message}.`;
  const line = template.slice(0, Number(at[1])).split('\n').length;
  return `Template syntax error: ${message.slice(0, at.index)} (line ${line}).`;
}

/** The rendered template, or null when it does not parse. */
export function renderTemplate(template: string, view: object): string | null {
  const result = parsed(template);
  if ('error' in result) return null;
  const tokens = defused(result.tokens) as unknown as string[][];
  return result.writer.renderTokens(tokens, new DataContext(view), Object.create(null) as Record<string, string>, template, { escape: escapeValue });
}

function fieldsOf(shape: Shape): Record<string, Shape> | null {
  return typeof shape === 'object' && !Array.isArray(shape) ? (shape as Record<string, Shape>) : null;
}

/** What a name means in the given contexts (innermost first), as Mustache would look it up. */
function resolve(name: string, stack: readonly Shape[]): Shape | undefined {
  if (name === '.') return stack[0];
  const segments = name.split('.');
  for (const context of stack) {
    let shape: Shape | undefined = context;
    for (const segment of segments) {
      const fields: Record<string, Shape> | null = shape === undefined ? null : fieldsOf(shape);
      shape = fields && Object.hasOwn(fields, segment) ? fields[segment] : undefined;
    }
    if (shape !== undefined) return shape;
  }
  return undefined;
}

function tokensProblem(tokens: readonly Token[], stack: readonly Shape[], known: string): string | null {
  for (const [type, name, , , children] of tokens) {
    if (type === '>') return `Partials ({{> ${name}}}) are not supported.`;
    if (type === '=') return 'Changing the tag delimiters ({{= =}}) is not supported.';
    if (type === '&') return `Values are always HTML-escaped: write {{ ${name} }} instead of {{{ ${name} }}} or {{& ${name} }}.`;
    if (type !== 'name' && type !== '#' && type !== '^') continue;
    const shape = resolve(name, stack);
    if (shape === undefined) {
      const what = type === 'name' ? `variable {{ ${name} }}` : `section {{${type}${name}}}`;
      return `Unknown ${what}. The variables are: ${known}.`;
    }
    if (type === 'name' && shape !== 'value') {
      return Array.isArray(shape)
        ? `{{ ${name} }} is a list: go through it with {{#${name}}}…{{/${name}}}.`
        : `{{ ${name} }} is not a value: use one of its fields, like {{ ${name === '.' ? '' : `${name}.`}${Object.keys(shape)[0]} }}.`;
    }
    const inner = type === '#' ? [Array.isArray(shape) ? shape[0] : shape, ...stack] : stack;
    const problem = tokensProblem(children ?? [], inner, known);
    if (problem) return problem;
  }
  return null;
}

/** The variable names of a shape, for people: `site.name, ..., messages (text, author, time)`. */
export function variableNames(shape: Shape, prefix = ''): string[] {
  if (shape === 'value') return [prefix];
  if (Array.isArray(shape)) return [`${prefix} (each with ${variableNames(shape[0]).join(', ')})`];
  return Object.entries(shape as Record<string, Shape>).flatMap(([k, v]) => variableNames(v, prefix ? `${prefix}.${k}` : k));
}

/** Why the template cannot be used with a view of this shape, or null. */
export function templateSyntaxProblem(template: string, shape: Shape): string | null {
  const result = parsed(template);
  if ('error' in result) return result.error;
  return tokensProblem(result.tokens, [shape], variableNames(shape).join(', '));
}
