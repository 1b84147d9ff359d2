"use client";

import { useState } from "react";
import { AliasForm, GroupForm } from "@/components/ModelForms";
import { DataState, Notice, PageHeader, Pager } from "@/components/ui";
import { api } from "@/lib/api";
import { useLoad, usePages } from "@/lib/hooks";
import { formatPercent, formatUsdDecimal } from "@/lib/money";
import type { AccessGroup, ModelAlias } from "@/lib/types";

const PAGE_SIZE = 15;

type Editing = { kind: "alias"; alias?: ModelAlias } | { kind: "group"; group?: AccessGroup } | null;

export default function ModelsPage() {
  const aliases = useLoad("aliases", () => api.get<ModelAlias[]>("/api/model-aliases"));
  const groups = useLoad("groups", () => api.get<AccessGroup[]>("/api/model-access-groups"));
  const [editing, setEditing] = useState<Editing>(null);
  const [notice, setNotice] = useState<string>();
  const aliasPages = usePages(aliases.data, PAGE_SIZE);
  const groupPages = usePages(groups.data, PAGE_SIZE);

  const saved = (message: string) => {
    setEditing(null);
    setNotice(message);
    aliases.reload();
    groups.reload();
  };

  return (
    <>
      <PageHeader title="Models">
        <button type="button" className="button button-primary" onClick={() => setEditing({ kind: "alias" })}>
          New alias
        </button>
        <button type="button" className="button button-primary" onClick={() => setEditing({ kind: "group" })}>
          New access group
        </button>
      </PageHeader>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      {editing?.kind === "alias" && groups.data ? (
        <AliasForm key={editing.alias?.alias ?? "new"} existing={editing.alias} groups={groups.data}
          onCancel={() => setEditing(null)} onSaved={(a) => saved(`Alias ${a.alias} saved.`)} />
      ) : null}
      {editing?.kind === "group" && aliases.data ? (
        <GroupForm key={editing.group?.group_name ?? "new"} existing={editing.group} aliases={aliases.data}
          onCancel={() => setEditing(null)} onSaved={(g) => saved(`Access group ${g.group_name} saved.`)} />
      ) : null}
      <section className="card">
        <h2>Model aliases</h2>
        <p className="muted small">
          Teams call an alias; the alias names the LiteLLM model and our price per 1M tokens. Client cost adds the
          alias&apos;s markup, or the team&apos;s when the alias has none.
        </p>
        <DataState loading={aliases.loading} error={aliases.error} empty={!aliases.data?.length} onRetry={aliases.reload}
          emptyText="No model aliases yet.">
          <table className="table" data-testid="aliases-table">
            <thead>
              <tr>
                <th>Alias</th>
                <th>LiteLLM model</th>
                <th className="num">Input / 1M</th>
                <th className="num">Output / 1M</th>
                <th className="num">Markup</th>
                <th>Cache</th>
                <th>Groups</th>
                <th>Description</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {aliasPages.rows.map((a) => (
                <tr key={a.alias} data-alias={a.alias}>
                  <td>{a.alias}</td>
                  <td><code>{a.litellm_model}</code></td>
                  <td className="num">{formatUsdDecimal(a.input_price_per_million)}</td>
                  <td className="num">{formatUsdDecimal(a.output_price_per_million)}</td>
                  <td className="num">{a.markup_percent === null ? <span className="muted">team&apos;s</span> : formatPercent(a.markup_percent)}</td>
                  <td>{a.cache_enabled ? "on" : "off"}</td>
                  <td>{a.access_groups.join(", ")}</td>
                  <td>{a.description ?? ""}</td>
                  <td>
                    <button type="button" className="button button-small" onClick={() => setEditing({ kind: "alias", alias: a })}>
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={aliasPages.page} pageCount={aliasPages.pageCount} onPage={aliasPages.setPage} label="alias pages" />
        </DataState>
      </section>
      <section className="card">
        <h2>Model access groups</h2>
        <DataState loading={groups.loading} error={groups.error} empty={!groups.data?.length} onRetry={groups.reload}
          emptyText="No access groups yet.">
          <table className="table" data-testid="groups-table">
            <thead>
              <tr>
                <th>Group</th>
                <th>Description</th>
                <th>Aliases</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {groupPages.rows.map((g) => (
                <tr key={g.group_name} data-group={g.group_name}>
                  <td>{g.group_name}</td>
                  <td>{g.description ?? ""}</td>
                  <td>{g.model_aliases.join(", ") || <span className="muted">none</span>}</td>
                  <td>
                    <button type="button" className="button button-small" onClick={() => setEditing({ kind: "group", group: g })}>
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={groupPages.page} pageCount={groupPages.pageCount} onPage={groupPages.setPage} label="group pages" />
        </DataState>
      </section>
    </>
  );
}
