/**
 * Rebuilds Linear's GraphQL schema (SDL) from the types `@linear/sdk` ships.
 *
 * The SDK publishes no `schema.graphql`, but its `.d.mts` carries graphql-codegen's TypeScript
 * rendering of the whole schema (region `src/_generated_documents.d.ts`). This module reads that
 * region with the TypeScript compiler API and prints SDL, so the fake validates every request
 * against the schema of the exact SDK version installed — nothing is copied or hand-guessed.
 *
 * What the rendering loses: argument/input default values and interface-implements-interface
 * declarations. Neither changes which documents validate for Baton's queries.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { buildSchema, Kind, parse, visit, type GraphQLSchema } from 'graphql';

const REGION_START = '//#region src/_generated_documents.d.ts';
const REGION_END = '//#endregion';
/** codegen helper aliases that are not schema types. */
const HELPER_TYPES = new Set(['Maybe', 'InputMaybe', 'Exact', 'MakeOptional', 'MakeMaybe', 'MakeEmpty', 'Incremental', 'Scalars']);
const BUILTIN_SCALARS = new Set(['ID', 'String', 'Boolean', 'Int', 'Float']);
/** Bump when the SDL printer changes, so a stale cached file is not reused. */
const FORMAT = 1;

const require = createRequire(import.meta.url);

/** Where the installed SDK lives, and its version (the cache key). */
function sdkLocation(): { dir: string; version: string } {
  const pkgPath = require.resolve('@linear/sdk/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string };
  return { dir: path.dirname(pkgPath), version: pkg.version };
}

function readSchemaRegion(sdkDir: string): string {
  const dist = path.join(sdkDir, 'dist');
  for (const name of readdirSync(dist)) {
    if (!name.endsWith('.d.mts')) continue;
    const text = readFileSync(path.join(dist, name), 'utf8');
    const start = text.indexOf(REGION_START);
    if (start < 0) continue;
    const end = text.indexOf(REGION_END, start);
    return text.slice(start, end < 0 ? undefined : end);
  }
  throw new Error(
    `@linear/sdk in ${sdkDir} has no "${REGION_START}" region in dist/*.d.mts: the SDK's packaging changed; ` +
      'update test/fakes/linear/schema-from-sdk.ts for the new layout',
  );
}

/** Real type names as the SDK's own GraphQL documents spell them (codegen PascalCases the TS names). */
async function realTypeNames(): Promise<Map<string, string>> {
  const sdk = (await import('@linear/sdk')) as unknown as { LinearDocument: Record<string, unknown> };
  const names = new Map<string, string>();
  for (const value of Object.values(sdk.LinearDocument)) {
    if (!(value instanceof String) && typeof value !== 'string') continue;
    const source = String(value);
    if (!/^\s*(query|mutation|subscription|fragment)\b/.test(source)) continue;
    visit(parse(source), {
      NamedType(node) {
        names.set(node.name.value.toLowerCase(), node.name.value);
      },
    });
  }
  return names;
}

interface FieldDef {
  name: string;
  type: string;
  deprecated?: string;
  args?: FieldDef[];
}

type TypeDef =
  | { kind: 'object'; name: string; interfaces: string[]; fields: FieldDef[] }
  | { kind: 'interface'; name: string; fields: FieldDef[] }
  | { kind: 'input'; name: string; fields: FieldDef[] }
  | { kind: 'union'; name: string; members: string[] }
  | { kind: 'enum'; name: string; values: string[] }
  | { kind: 'scalar'; name: string };

function propertyName(member: ts.TypeElement): string | undefined {
  if (!ts.isPropertySignature(member) || !member.name) return undefined;
  if (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name)) return member.name.text;
  return undefined;
}

function deprecationOf(member: ts.Node): string | undefined {
  for (const tag of ts.getJSDocTags(member)) {
    if (tag.tagName.text !== 'deprecated') continue;
    const comment = typeof tag.comment === 'string' ? tag.comment : ts.getTextOfJSDocComment(tag.comment);
    return (comment ?? 'No longer supported').trim();
  }
  return undefined;
}

function typenameLiteral(literal: ts.TypeLiteralNode): string | undefined {
  for (const member of literal.members) {
    if (propertyName(member) !== '__typename' || !ts.isPropertySignature(member) || !member.type) continue;
    if (ts.isLiteralTypeNode(member.type) && ts.isStringLiteral(member.type.literal)) return member.type.literal.text;
  }
  return undefined;
}

/**
 * Reads the codegen region and prints SDL. Exported for the self-check test; most callers want
 * {@link loadLinearSchema}.
 */
export async function buildLinearSdl(): Promise<string> {
  const { dir } = sdkLocation();
  const source = ts.createSourceFile('linear-schema.d.ts', readSchemaRegion(dir), ts.ScriptTarget.Latest, true);
  const documentNames = await realTypeNames();

  // Pass 1: classify declarations and collect raw shapes keyed by codegen name.
  const objects = new Map<string, { real: string; interfaces: string[]; literal: ts.TypeLiteralNode }>();
  const literals = new Map<string, ts.TypeLiteralNode>();
  const unions = new Map<string, string[]>();
  const enums = new Map<string, string[]>();
  const scalars: string[] = [];

  for (const statement of source.statements) {
    if (ts.isEnumDeclaration(statement)) {
      const values: string[] = [];
      for (const member of statement.members) {
        if (member.initializer && ts.isStringLiteral(member.initializer)) values.push(member.initializer.text);
      }
      enums.set(statement.name.text, values);
      continue;
    }
    if (!ts.isTypeAliasDeclaration(statement)) continue;
    const name = statement.name.text;
    if (name === 'Scalars' && ts.isTypeLiteralNode(statement.type)) {
      for (const member of statement.type.members) {
        const key = propertyName(member);
        if (key && !BUILTIN_SCALARS.has(key)) scalars.push(key);
      }
      continue;
    }
    if (HELPER_TYPES.has(name) || statement.typeParameters) continue;
    const node = statement.type;
    if (ts.isTypeLiteralNode(node)) {
      const typename = typenameLiteral(node);
      if (typename && node.members.length > 1) objects.set(name, { real: typename, interfaces: [], literal: node });
      else if (typename && name === typename) objects.set(name, { real: typename, interfaces: [], literal: node });
      else if (!typename) literals.set(name, node);
      continue;
    }
    if (ts.isIntersectionTypeNode(node)) {
      // Schema objects read `Iface & Iface & { __typename?: "Real"; ... }`; document result types
      // start with a literal or use Pick<>, and are skipped.
      const parts = node.types;
      const last = parts[parts.length - 1];
      const heads = parts.slice(0, -1);
      if (!last || !ts.isTypeLiteralNode(last)) continue;
      if (!heads.every((part) => ts.isTypeReferenceNode(part) && !part.typeArguments && ts.isIdentifier(part.typeName))) continue;
      const typename = typenameLiteral(last);
      if (!typename) continue;
      const interfaces = heads.map((part) => ((part as ts.TypeReferenceNode).typeName as ts.Identifier).text);
      objects.set(name, { real: typename, interfaces, literal: last });
      continue;
    }
    if (ts.isUnionTypeNode(node)) {
      if (!node.types.every((part) => ts.isTypeReferenceNode(part) && !part.typeArguments)) continue;
      unions.set(
        name,
        node.types.map((part) => ((part as ts.TypeReferenceNode).typeName as ts.Identifier).text),
      );
    }
  }

  const interfaceNames = new Set<string>();
  for (const object of objects.values()) for (const iface of object.interfaces) interfaceNames.add(iface);
  for (const members of unions.values()) if (!members.every((member) => objects.has(member))) members.length = 0;

  // Args types are `<Owner><Field>Args`; match them case-insensitively against owners' fields.
  const argOwners = new Map<string, { owner: string; field: string }>();
  const ownerLiterals: Array<[string, ts.TypeLiteralNode]> = [
    ...[...objects].map(([name, object]) => [name, object.literal] as [string, ts.TypeLiteralNode]),
    ...[...literals].filter(([name]) => interfaceNames.has(name)),
  ];
  for (const [owner, literal] of ownerLiterals) {
    for (const member of literal.members) {
      const field = propertyName(member);
      if (field && field !== '__typename') argOwners.set(`${owner}${field}args`.toLowerCase(), { owner, field });
    }
  }
  const args = new Map<string, ts.TypeLiteralNode>();
  for (const [name, literal] of literals) {
    if (interfaceNames.has(name) || !name.endsWith('Args')) continue;
    const target = argOwners.get(name.toLowerCase());
    if (target) args.set(`${target.owner}.${target.field}`, literal);
  }
  const argNames = new Set<string>();
  for (const [name] of literals) if (name.endsWith('Args') && argOwners.has(name.toLowerCase())) argNames.add(name);

  const realName = (codegen: string): string => {
    const object = objects.get(codegen);
    if (object) return object.real;
    const known = documentNames.get(codegen.toLowerCase());
    if (known) return known;
    // codegen turns every `ID` into `Id`; the documents show the comparators the SDK never names.
    return codegen.replace(/IdComparator$/, 'IDComparator');
  };

  const renderType = (node: ts.TypeNode, nullable: boolean): string => {
    let inner = node;
    let isNullable = false;
    if (ts.isTypeReferenceNode(inner) && ts.isIdentifier(inner.typeName) && ['Maybe', 'InputMaybe'].includes(inner.typeName.text)) {
      isNullable = true;
      inner = inner.typeArguments![0]!;
    }
    let rendered: string;
    if (ts.isTypeReferenceNode(inner) && ts.isIdentifier(inner.typeName) && inner.typeName.text === 'Array') {
      rendered = `[${renderType(inner.typeArguments![0]!, false)}]`;
    } else if (ts.isIndexedAccessTypeNode(inner) && ts.isLiteralTypeNode(inner.indexType) && ts.isStringLiteral(inner.indexType.literal)) {
      rendered = inner.indexType.literal.text;
    } else if (ts.isTypeReferenceNode(inner) && ts.isIdentifier(inner.typeName)) {
      rendered = realName(inner.typeName.text);
    } else {
      throw new Error(`schema-from-sdk: unsupported type node ${ts.SyntaxKind[inner.kind]} (${inner.getText()})`);
    }
    return isNullable || nullable ? rendered : `${rendered}!`;
  };

  const fieldsOf = (literal: ts.TypeLiteralNode, owner?: string): FieldDef[] => {
    const fields: FieldDef[] = [];
    for (const member of literal.members) {
      const name = propertyName(member);
      if (!name || name === '__typename' || !ts.isPropertySignature(member) || !member.type) continue;
      const field: FieldDef = { name, type: renderType(member.type, false), deprecated: deprecationOf(member) };
      const argLiteral = owner ? args.get(`${owner}.${name}`) : undefined;
      if (argLiteral) field.args = fieldsOf(argLiteral);
      fields.push(field);
    }
    return fields;
  };

  const defs: TypeDef[] = [];
  for (const scalar of scalars) defs.push({ kind: 'scalar', name: scalar });
  for (const [name, values] of enums) defs.push({ kind: 'enum', name: realName(name), values });
  for (const [name, members] of unions) if (members.length) defs.push({ kind: 'union', name: realName(name), members: members.map(realName) });
  for (const [name, object] of objects) {
    defs.push({ kind: 'object', name: object.real, interfaces: object.interfaces.map(realName), fields: fieldsOf(object.literal, name) });
  }
  for (const [name, literal] of literals) {
    if (argNames.has(name)) continue;
    if (interfaceNames.has(name)) defs.push({ kind: 'interface', name: realName(name), fields: fieldsOf(literal, name) });
    else defs.push({ kind: 'input', name: realName(name), fields: fieldsOf(literal) });
  }
  return printSdl(defs);
}

function printField(field: FieldDef): string {
  const args = field.args?.length ? `(${field.args.map((arg) => `${arg.name}: ${arg.type}`).join(', ')})` : '';
  const deprecated = field.deprecated ? ` @deprecated(reason: ${JSON.stringify(field.deprecated)})` : '';
  return `  ${field.name}${args}: ${field.type}${deprecated}`;
}

function printSdl(defs: TypeDef[]): string {
  const blocks: string[] = [];
  for (const def of defs) {
    switch (def.kind) {
      case 'scalar':
        blocks.push(`scalar ${def.name}`);
        break;
      case 'enum':
        blocks.push(`enum ${def.name} {\n${def.values.map((v) => `  ${v}`).join('\n')}\n}`);
        break;
      case 'union':
        blocks.push(`union ${def.name} = ${def.members.join(' | ')}`);
        break;
      case 'object': {
        const impl = def.interfaces.length ? ` implements ${def.interfaces.join(' & ')}` : '';
        blocks.push(`type ${def.name}${impl} {\n${def.fields.map(printField).join('\n')}\n}`);
        break;
      }
      case 'interface':
        blocks.push(`interface ${def.name} {\n${def.fields.map(printField).join('\n')}\n}`);
        break;
      case 'input':
        // Input fields never carry @deprecated in a way graphql-js accepts on required fields.
        blocks.push(`input ${def.name} {\n${def.fields.map((f) => printField({ ...f, deprecated: undefined })).join('\n')}\n}`);
        break;
    }
  }
  return `${blocks.join('\n\n')}\n`;
}

let cached: Promise<GraphQLSchema> | undefined;

/**
 * Linear's schema for the installed SDK version, built once per process and cached on disk under
 * `node_modules/.cache/baton/` (rebuilding takes about two seconds).
 */
export function loadLinearSchema(): Promise<GraphQLSchema> {
  cached ??= (async () => {
    const { dir, version } = sdkLocation();
    // node_modules/@linear/sdk → node_modules/.cache/baton, whatever the working directory
    const cacheDir = path.resolve(dir, '..', '..', '.cache', 'baton');
    const cacheFile = path.join(cacheDir, `linear-schema-${version}-f${FORMAT}.graphql`);
    let sdl: string;
    if (existsSync(cacheFile)) {
      sdl = readFileSync(cacheFile, 'utf8');
    } else {
      sdl = await buildLinearSdl();
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, sdl);
      renameSync(tmp, cacheFile); // atomic: parallel test files never read half a file
    }
    return buildSchema(sdl, { noLocation: true });
  })();
  return cached;
}

/** Names of every operation type in a document: used by the fake's request log. */
export function operationFields(query: string): string[] {
  const fields: string[] = [];
  for (const def of parse(query).definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const selection of def.selectionSet.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection.name.value);
    }
  }
  return fields;
}
