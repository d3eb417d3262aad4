/** A schema node of a route's input, with the JSON path that leads to it. */
export interface SchemaNode {
  path: string;
  schema: Record<string, unknown>;
}

/** Every sub-schema of `schema` (properties, items, anyOf/oneOf/allOf branches), depth first. */
export function schemaNodes(schema: unknown, path = ''): SchemaNode[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const nodes: SchemaNode[] = [{ path: path || '(root)', schema: node }];
  const properties = node['properties'] as Record<string, unknown> | undefined;
  for (const [name, child] of Object.entries(properties ?? {})) nodes.push(...schemaNodes(child, `${path}.${name}`));
  if (node['items']) nodes.push(...schemaNodes(node['items'], `${path}[]`));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = node[key] as unknown[] | undefined;
    branches?.forEach((branch, i) => nodes.push(...schemaNodes(branch, `${path}<${key}${i}>`)));
  }
  return nodes;
}
