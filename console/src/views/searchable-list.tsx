import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { href } from "../router.js";
import { ErrorNotice, Field, Loading, lastPart } from "../ui.js";
import type { Listing } from "./paged-list.js";

/** One column of a list: its header, and what a row shows in it. */
export interface Column<T> {
  header: string;
  cell: (item: T) => ComponentChildren;
}

/**
 * A vault's secrets, keys or certificates as a table: searched by name among the items loaded, a page at a time
 * ("Load more"), each name a link to the object's page. `idOf` is the item's Key Vault id, whose last part is its name.
 */
export function SearchableList<T>(props: {
  list: Listing<T>;
  vaultName: string;
  /** The tab, and the plural noun the empty list is described with: "secrets", "keys", "certificates". */
  kind: string;
  idOf: (item: T) => string;
  columns: readonly Column<T>[];
}) {
  const { list, vaultName, kind, idOf, columns } = props;
  const [search, setSearch] = useState("");
  const shown = list.items.filter((item) => lastPart(idOf(item)).toLowerCase().includes(search.toLowerCase()));
  return (
    <>
      <Field label="Search">
        <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} placeholder="Part of a name" />
      </Field>
      <ErrorNotice error={list.error} />
      {list.loading && list.items.length === 0 ? <Loading /> : null}
      {!list.loading && !list.error && shown.length === 0 ? (
        <p>
          No {kind}
          {search ? " match" : " yet"}.
        </p>
      ) : null}
      {shown.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              {columns.map((column) => (
                <th key={column.header} scope="col">
                  {column.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((item) => (
              <tr key={idOf(item)}>
                <td>
                  <a href={href("vaults", vaultName, kind, lastPart(idOf(item)))}>{lastPart(idOf(item))}</a>
                </td>
                {columns.map((column) => (
                  <td key={column.header}>{column.cell(item)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.more ? (
        <button type="button" onClick={list.loadMore} disabled={list.loading}>
          Load more
        </button>
      ) : null}
    </>
  );
}
