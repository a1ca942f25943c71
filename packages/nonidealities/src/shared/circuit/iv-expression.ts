import { all, create, type MathNode } from 'mathjs';

/**
 * The sandbox user-written I–V laws run in. A private mathjs instance (so nothing an expression does
 * can reach the shared one `toSI` parses units with), fed only a whitelisted syntax tree: numbers,
 * G, V, pi, e, arithmetic and elementary functions. Function calls such as createUnit, import,
 * evaluate or zeros(1e5, 1e5) never get that far, and size and depth are bounded before compiling,
 * so neither a huge matrix nor a derivative that grows with every nested sinh can stall the process.
 */
const sandbox = create(all);
// Rebinding these through the sandbox itself keeps an expression from reaching them even by a path the whitelist missed.
const refuse = (name: string) => () => {
  throw new Error(`${name} is not available in an I–V expression`);
};
const { parse, derivative } = sandbox;
sandbox.import(Object.fromEntries(['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative', 'compile', 'matrix', 'zeros', 'ones', 'range', 'identity', 'resolve', 'reviver']
  .map((n) => [n, refuse(n)])), { override: true });

export const MAX_EXPRESSION_LENGTH = 500;
export const MAX_EXPRESSION_DEPTH = 32;
export const MAX_EXPRESSION_NODES = 200;

const SYMBOLS = new Set(['G', 'V', 'pi', 'e']);
const FUNCTIONS = new Set(['sin', 'cos', 'tan', 'sinh', 'cosh', 'tanh', 'asin', 'acos', 'atan', 'asinh', 'acosh', 'atanh', 'exp', 'expm1', 'log', 'log1p', 'log10', 'sqrt', 'cbrt', 'abs', 'sign']);
const OPERATORS = new Set(['+', '-', '*', '/', '^']);

/** Why `node` is not a plain real function of G and V, or undefined. Iterative: depth is bounded here, not by the stack. */
function problem(root: MathNode): string | undefined {
  const stack: Array<[MathNode, number]> = [[root, 1]];
  let count = 0;
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (++count > MAX_EXPRESSION_NODES) return `more than ${MAX_EXPRESSION_NODES} terms`;
    if (depth > MAX_EXPRESSION_DEPTH) return `nested deeper than ${MAX_EXPRESSION_DEPTH} levels`;
    const n = node as MathNode & { type: string; value?: unknown; name?: string; op?: string; fn?: MathNode; args?: MathNode[]; content?: MathNode };
    switch (n.type) {
      case 'ConstantNode':
        if (typeof n.value !== 'number') return `${JSON.stringify(n.value)} is not a number`;
        break;
      case 'SymbolNode':
        if (!SYMBOLS.has(n.name!)) return `unknown symbol "${n.name}": an I–V law is a function of G and V (and the constants pi, e)`;
        break;
      case 'ParenthesisNode':
        stack.push([n.content!, depth + 1]);
        break;
      case 'OperatorNode':
        if (!OPERATORS.has(n.op!)) return `operator "${n.op}" is not allowed (use + - * / ^)`;
        for (const a of n.args!) stack.push([a, depth + 1]);
        break;
      case 'FunctionNode': {
        const name = (n.fn as { name?: string }).name;
        if (!name || !FUNCTIONS.has(name)) return `function "${name ?? '?'}" is not allowed (allowed: ${[...FUNCTIONS].join(', ')})`;
        for (const a of n.args!) stack.push([a, depth + 1]);
        break;
      }
      default:
        return `${n.type.replace(/Node$/, '').toLowerCase()} expressions are not allowed; write a formula in G and V`;
    }
  }
  return undefined;
}

export interface CompiledIv {
  readonly current: (g: number, v: number) => number;
  /** Undefined when mathjs cannot differentiate the expression. */
  readonly slope?: (g: number, v: number) => number;
}

function evaluator(node: MathNode, expr: string): (g: number, v: number) => number {
  const compiled = node.compile();
  const scope = { G: 0, V: 0 };
  return (g, v) => {
    scope.G = g;
    scope.V = v;
    const r: unknown = compiled.evaluate(scope);
    if (typeof r !== 'number' || !Number.isFinite(r)) throw new Error(`I–V expression "${expr}" is not a finite real number at G = ${g} S, V = ${v} V (got ${String(r)})`);
    return r;
  };
}

/** Checks and compiles `expr`; throws a message saying what is not allowed. */
export function compileIvExpression(expr: string): CompiledIv {
  if (expr.length > MAX_EXPRESSION_LENGTH) throw new Error(`longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const node = parse(expr);
  const why = problem(node);
  if (why) throw new Error(why);
  let slope: CompiledIv['slope'];
  try {
    // Unsimplified: simplification of a deep chain rule can take minutes; the tree is bounded above.
    slope = evaluator(derivative(node, 'V', { simplify: false }), `d/dV ${expr}`);
  } catch {
    slope = undefined;
  }
  return { current: evaluator(node, expr), slope };
}
