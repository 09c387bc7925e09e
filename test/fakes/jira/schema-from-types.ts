/**
 * Jira's REST v3 models as zod schemas, rebuilt at test time from the TypeScript declarations
 * jira.js 5.x publishes (`jira.js/version3/models`, generated from Atlassian's OpenAPI document),
 * the way the Linear fake rebuilds Linear's schema from @linear/sdk. The TypeScript checker
 * resolves each named model (interfaces, `extends`, `Omit`, unions, `| null`, index signatures)
 * and `toZod` walks the resolved type: optional properties stay optional, `unknown`/`any` accept
 * anything, recursive models become `z.lazy`.
 *
 * Request bodies are checked strictly (unknown keys rejected, since the real API drops a
 * misspelled key silently); responses loosely (see `Mode`).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { z } from 'zod';

/**
 * `strict`: a request body (unknown keys rejected, required keys required); `request`: a value
 * nested in one (unknown keys accepted); `loose`: a response. The published declarations describe
 * what a typical answer holds (jira.js marks, say, `Project.lead` required), while Jira's OpenAPI
 * document requires almost nothing in answers and sends only what was asked for: so in responses
 * every key is optional and each key present must have the declared type.
 */
type Mode = 'strict' | 'request' | 'loose';

const require = createRequire(import.meta.url);

/** The installed jira.js declarations of the REST v3 models. */
function modelsEntry(): string {
  const pkg = require.resolve('jira.js/package.json');
  return path.join(path.dirname(pkg), 'dist', 'esm', 'types', 'version3', 'models', 'index.d.ts');
}

let loaded: { checker: ts.TypeChecker; exports: Map<string, ts.Symbol> } | undefined;

function load(): { checker: ts.TypeChecker; exports: Map<string, ts.Symbol> } {
  if (loaded) return loaded;
  const entry = modelsEntry();
  const program = ts.createProgram([entry], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`cannot read jira.js model declarations at ${entry}`);
  const exports = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.getName(), s]));
  loaded = { checker, exports };
  return loaded;
}

/** The mode of a value inside one of `mode`. */
function nested(mode: Mode): Mode {
  return mode === 'loose' ? 'loose' : 'request';
}

class Converter {
  private readonly done = new Map<string, { ref: z.ZodType; schema: () => z.ZodType }>();

  constructor(private readonly checker: ts.TypeChecker) {}

  convert(type: ts.Type, mode: Mode): z.ZodType {
    const f = type.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return z.unknown();
    if (f & ts.TypeFlags.StringLiteral) return z.literal((type as ts.StringLiteralType).value);
    if (f & ts.TypeFlags.NumberLiteral) return z.literal((type as ts.NumberLiteralType).value);
    if (f & ts.TypeFlags.BooleanLiteral) return z.literal(this.checker.typeToString(type) === 'true');
    if (f & ts.TypeFlags.String) return z.string();
    if (f & ts.TypeFlags.Number) return z.number();
    if (f & ts.TypeFlags.Boolean) return z.boolean();
    if (f & ts.TypeFlags.Null) return z.null();
    if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return z.undefined();
    if (f & ts.TypeFlags.Never) return z.never();
    if (type.isUnion()) return this.union(type, mode);
    if (this.checker.isArrayType(type) || this.checker.isTupleType(type)) {
      const [element] = this.checker.getTypeArguments(type as ts.TypeReference);
      return z.array(element ? this.convert(element, nested(mode)) : z.unknown());
    }
    // JSON carries dates as strings.
    if (type.getSymbol()?.getName() === 'Date') return z.string();
    if (f & ts.TypeFlags.Object || type.isIntersection()) return this.object(type, mode);
    return z.unknown();
  }

  private union(type: ts.UnionType, mode: Mode): z.ZodType {
    const members = type.types;
    // `true | false` is how the checker spells `boolean` inside a union.
    const booleans = members.filter((m) => m.flags & ts.TypeFlags.BooleanLiteral);
    const rest = members.filter((m) => !(m.flags & (ts.TypeFlags.BooleanLiteral | ts.TypeFlags.Null | ts.TypeFlags.Undefined)));
    const options: z.ZodType[] = rest.map((m) => this.convert(m, mode));
    if (booleans.length === 2) options.push(z.boolean());
    else booleans.forEach((b) => options.push(this.convert(b, mode)));
    let schema: z.ZodType = options.length === 1 ? options[0]! : z.union(options as [z.ZodType, z.ZodType, ...z.ZodType[]]);
    if (members.some((m) => m.flags & ts.TypeFlags.Null)) schema = schema.nullable();
    if (members.some((m) => m.flags & ts.TypeFlags.Undefined)) schema = schema.optional();
    return schema;
  }

  /** An object type, referenced lazily: each is built once, and recursive models terminate. */
  private object(type: ts.Type, mode: Mode): z.ZodType {
    const key = this.key(type, mode);
    return this.done.get(key)?.ref ?? this.define(type, mode).ref;
  }

  /** The object schema itself (not a lazy reference), for callers that extend or refine it. */
  root(type: ts.Type, mode: Mode): z.ZodType {
    const key = this.key(type, mode);
    return (this.done.get(key) ?? this.define(type, mode)).schema();
  }

  private key(type: ts.Type, mode: Mode): string {
    return `${mode}:${this.checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation)}`;
  }

  private define(type: ts.Type, mode: Mode): { ref: z.ZodType; schema: () => z.ZodType } {
    let built: z.ZodType | undefined;
    const entry = { ref: z.lazy(() => built!), schema: () => built! };
    this.done.set(this.key(type, mode), entry);
    built = this.build(type, mode);
    return entry;
  }

  private build(type: ts.Type, mode: Mode): z.ZodType {
    const shape: Record<string, z.ZodType> = {};
    for (const property of this.checker.getPropertiesOfType(type)) {
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      if (!declaration) continue;
      const propertyType = this.checker.getTypeOfSymbolAtLocation(property, declaration);
      if (propertyType.getCallSignatures().length > 0) continue;
      let schema = this.convert(propertyType, nested(mode));
      if (property.flags & ts.SymbolFlags.Optional || mode === 'loose') schema = schema.optional();
      shape[property.getName()] = schema;
    }
    const index = this.checker.getIndexInfosOfType(type).find((info) => info.keyType.flags & ts.TypeFlags.String);
    if (index) {
      const values = this.convert(index.type, nested(mode));
      return Object.keys(shape).length ? z.object(shape).catchall(values) : z.record(z.string(), values);
    }
    return mode === 'strict' ? z.strictObject(shape) : z.looseObject(shape);
  }
}

let converter: Converter | undefined;

/**
 * The zod schema of the jira.js REST v3 model `name` (for example `Issue`, `Transitions`): a
 * `ZodObject` for an interface without an index signature, so it can be extended.
 */
export function jiraModel(name: string, mode: Mode = 'loose'): z.ZodType {
  const { checker, exports } = load();
  const symbol = exports.get(name);
  if (!symbol) throw new Error(`jira.js publishes no REST v3 model named ${name}`);
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  converter ??= new Converter(checker);
  return converter.root(checker.getDeclaredTypeOfSymbol(target), mode);
}
