import { Type, type TSchema, type TProperties } from '@sinclair/typebox';

export const MAX_PAGE_SIZE = 200;
/** Deeper pages are not browsing any more (use filters or an export); the bound keeps OFFSET small. */
export const MAX_PAGE_NUM = 100_000;

export const PagingFields = {
  pageNum: Type.Integer({ minimum: 1, maximum: MAX_PAGE_NUM, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 }),
};

/** Body of a page request: paging plus the resource's filters; sortField is limited to the given whitelist. */
export function PageRequest<P extends TProperties>(filters: P, sortFields: readonly string[]) {
  return Type.Object(
    {
      ...PagingFields,
      ...filters,
      sortField: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: [...sortFields] })),
      sortOrder: Type.Optional(Type.Unsafe<'asc' | 'desc'>({ type: 'string', enum: ['asc', 'desc'] })),
    },
    { additionalProperties: false },
  );
}

export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({
    list: Type.Array(item),
    total: Type.Integer(),
    pageNum: Type.Integer(),
    pageSize: Type.Integer(),
  });
}
