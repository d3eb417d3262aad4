import { ValidationError } from '../errors';

export interface NewTag {
  name: string;
  order?: number;
}

/** Trimmed tags of one request; a name given twice is refused, naming the second occurrence. */
export function checkNewTagNames(tags: readonly NewTag[]): NewTag[] {
  const seen = new Set<string>();
  return tags.map((tag, i) => {
    const name = tag.name.trim();
    if (seen.has(name))
      throw ValidationError.field(`tags[${i}].name`, 'appears twice in this request', 'rule.twiceInRequest');
    seen.add(name);
    return tag.order === undefined ? { name } : { name, order: tag.order };
  });
}
