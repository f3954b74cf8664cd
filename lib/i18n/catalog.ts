/**
 * Every language's texts, and how one is read: in the language asked for, else in the fallback
 * language (the property's default), else in English. A text is never empty.
 */
import * as Mustache from 'mustache';
import { de } from './catalogs/de';
import { Catalog, CatalogKey, en } from './catalogs/en';
import { es } from './catalogs/es';
import { fr } from './catalogs/fr';
import { it } from './catalogs/it';
import { nl } from './catalogs/nl';
import { pt } from './catalogs/pt';
import { DEFAULT_LANGUAGE, Language } from './languages';

export type { Catalog, CatalogKey } from './catalogs/en';

export const CATALOGS: Readonly<Record<Language, Catalog>> = { en, de, fr, es, it, nl, pt };

/** The raw text (a mustache template) of `key`: never empty, whatever a catalog holds. */
export function textOf(language: Language, key: CatalogKey, fallback: Language = DEFAULT_LANGUAGE): string {
  return CATALOGS[language]?.[key] || CATALOGS[fallback]?.[key] || en[key];
}

/** `key` filled in with `values`, as plain text (nothing escaped: the caller escapes for HTML). */
export function phrase(language: Language, key: CatalogKey, values: object = {}, fallback: Language = DEFAULT_LANGUAGE): string {
  return Mustache.render(textOf(language, key, fallback), values, {}, { escape: (value: unknown) => String(value) });
}
