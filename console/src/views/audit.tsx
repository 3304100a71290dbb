import { useState } from "preact/hooks";
import { ApiError } from "../api.js";
import { useConsole } from "../context.js";
import { ErrorNotice, Field, Loading, useLoad } from "../ui.js";
import { type AuditEntry, type AuditFilter, MAX_TOP, auditQuery, oneRowPerRequest } from "./audit-query.js";
import { type PrincipalItem, principalLabel, usePrincipals } from "./principals-data.js";

/** Lines asked for at first, and added by each "Show more". */
const STEP = 200;

/**
 * A 404 that says the server cannot give its trail: the trail is off, goes to standard output, or (an older server)
 * the route does not exist. Said as a fact about the server, not as a failure.
 */
const notOffered = (error: unknown): error is ApiError =>
  error instanceof ApiError && error.status === 404 && ["NotFound", "AuditTrailOff", "AuditTrailNotReadable"].includes(error.code);

/**
 * The audit log (an administrator's view): one row per request, newest first, filtered by vault, caller, operation
 * and time. The route answers the newest lines that match, at most 1000; "Show more" asks for more of them.
 */
export function AuditView() {
  const { api } = useConsole();
  const [draft, setDraft] = useState<AuditFilter>({ vault: "", caller: "", operation: "", from: "", to: "" });
  const [filter, setFilter] = useState<AuditFilter>(draft);
  const [top, setTop] = useState(STEP);
  const lines = useLoad(
    async () => (await api.admin<{ value: AuditEntry[] }>("GET", `/keyhold/audit?${auditQuery(filter, top)}`)).value,
    [filter, top],
  );
  const principals = usePrincipals();
  const rows = lines.data ? oneRowPerRequest(lines.data) : [];
  const set = (field: keyof AuditFilter) => (e: { currentTarget: HTMLInputElement }) =>
    setDraft((held) => ({ ...held, [field]: e.currentTarget.value }));
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form
        class="panel audit-filters"
        aria-label="Filter the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          setTop(STEP);
          setFilter({ ...draft });
        }}
      >
        <Field label="Vault">
          <input value={draft.vault} onInput={set("vault")} autocomplete="off" />
        </Field>
        <Field label="Caller" hint="A principal or credential id">
          <input value={draft.caller} onInput={set("caller")} autocomplete="off" />
        </Field>
        <Field label="Operation" hint="SecretGet, or secrets/get">
          <input value={draft.operation} onInput={set("operation")} autocomplete="off" />
        </Field>
        <Field label="From">
          <input type="datetime-local" value={draft.from} onInput={set("from")} />
        </Field>
        <Field label="To">
          <input type="datetime-local" value={draft.to} onInput={set("to")} />
        </Field>
        <div class="actions">
          <button type="submit" class="primary">
            Search
          </button>
        </div>
      </form>
      {notOffered(lines.error) ? (
        <div class="notice info" role="status">
          This server does not offer its audit log to the console. {lines.error.code === "NotFound" ? "" : lines.error.message}
        </div>
      ) : (
        <ErrorNotice error={lines.error} />
      )}
      {!lines.data && !lines.error ? <Loading /> : null}
      {lines.data && rows.length === 0 ? <p>No entries match.</p> : null}
      {rows.length > 0 ? <AuditTable rows={rows} principals={principals.data} /> : null}
      {lines.data && lines.data.length >= top ? (
        top < MAX_TOP ? (
          <button type="button" onClick={() => setTop(Math.min(top + STEP, MAX_TOP))}>
            Show more
          </button>
        ) : (
          <p class="muted">These are the newest entries that match: narrow the filters or the time range to see older ones.</p>
        )
      ) : null}
    </section>
  );
}

/** The rows; a caller is named by its user or display name where the principals are known, its id in the tooltip. */
function AuditTable({ rows, principals }: { rows: readonly AuditEntry[]; principals: readonly PrincipalItem[] | null }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Operation</th>
          <th scope="col">Vault</th>
          <th scope="col">Object</th>
          <th scope="col">Caller</th>
          <th scope="col">Result</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.requestId}>
            <td>{new Date(row.time).toLocaleString()}</td>
            <td title={row.operation}>{row.operationName}</td>
            <td>{row.vault ?? ""}</td>
            <td>{row.object ? [row.object.name, row.object.version].filter(Boolean).join("/") : ""}</td>
            <td>
              {row.caller.principalId ? (
                <span title={row.caller.principalId}>{principalLabel(row.caller.principalId, principals)}</span>
              ) : (
                "not authenticated"
              )}
              {row.caller.sourceAddress ? <span class="muted"> from {row.caller.sourceAddress}</span> : null}
            </td>
            <td>{row.result ? [row.result.status, row.result.errorCode].filter(Boolean).join(" ") : "running"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
