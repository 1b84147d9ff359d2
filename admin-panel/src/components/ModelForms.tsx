// Model aliases (what teams call, with our prices) and access groups (which aliases a team may use).
"use client";

import { useState, type FormEvent } from "react";
import { ErrorMessage, Field } from "@/components/ui";
import { api, seg } from "@/lib/api";
import { useAction } from "@/lib/hooks";
import { compareDecimal, isDecimalString, plainDecimal } from "@/lib/money";
import type { AccessGroup, ModelAlias } from "@/lib/types";
import { hasErrors, identifierError, requiredError, type FieldErrors } from "@/lib/validate";

function priceError(value: string): string {
  return value.trim() && !isDecimalString(value, 6) ? "enter USD per 1M tokens, such as 0.15 (at most 6 decimals)" : "";
}

function markupError(value: string): string {
  if (!value.trim()) return "";
  if (!isDecimalString(value, 2)) return "enter a percentage such as 20 or 12.5";
  return compareDecimal(value, "10000") > 0 ? "at most 10000" : "";
}

function Checklist({ name, legend, options, chosen, onChange, empty }: {
  name: string;
  legend: string;
  options: string[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
  empty: string;
}) {
  return (
    <fieldset className="field checkboxes" data-field={name}>
      <legend>{legend}</legend>
      {options.length === 0 ? <small className="muted">{empty}</small> : null}
      {options.map((option) => (
        <label key={option} className="checkbox">
          <input type="checkbox" name={name} value={option} checked={chosen.includes(option)}
            onChange={(e) => onChange(e.target.checked ? [...chosen, option] : chosen.filter((c) => c !== option))} />
          {option}
        </label>
      ))}
    </fieldset>
  );
}

/** Create an alias (`existing` undefined) or edit one. Prices left empty on creation come from LiteLLM's cost map. */
export function AliasForm({ existing, groups, onSaved, onCancel }: {
  existing?: ModelAlias;
  groups: AccessGroup[];
  onSaved: (alias: ModelAlias) => void;
  onCancel: () => void;
}) {
  const [alias, setAlias] = useState(existing?.alias ?? "");
  const [model, setModel] = useState(existing?.litellm_model ?? "");
  const [inputPrice, setInputPrice] = useState(plainDecimal(existing?.input_price_per_million ?? ""));
  const [outputPrice, setOutputPrice] = useState(plainDecimal(existing?.output_price_per_million ?? ""));
  const [markup, setMarkup] = useState(plainDecimal(existing?.markup_percent ?? ""));
  const [cache, setCache] = useState(existing?.cache_enabled ?? false);
  const [description, setDescription] = useState(existing?.description ?? "");
  const [accessGroups, setAccessGroups] = useState<string[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors = {
      alias: existing ? "" : (identifierError(alias, "Alias") ?? ""),
      litellm_model: requiredError(model, "LiteLLM model") ?? "",
      input_price_per_million: priceError(inputPrice) || (existing && !inputPrice.trim() ? "required" : ""),
      output_price_per_million: priceError(outputPrice) || (existing && !outputPrice.trim() ? "required" : ""),
      markup_percent: markupError(markup),
      description: description.length > 2000 ? "at most 2000 characters" : "",
    };
    setErrors(found);
    if (hasErrors(found)) return;
    // Prices and markups go as decimal strings: never a float for money.
    const body: Record<string, unknown> = {
      litellm_model: model.trim(),
      cache_enabled: cache,
      description: description.trim() || null,
      markup_percent: markup.trim() || null,
    };
    if (inputPrice.trim()) body.input_price_per_million = inputPrice.trim();
    if (outputPrice.trim()) body.output_price_per_million = outputPrice.trim();
    const saved = await run(() =>
      existing
        ? api.put<ModelAlias>(`/api/model-aliases/${seg(existing.alias)}`, body)
        : api.post<ModelAlias>("/api/model-aliases/create", { ...body, alias: alias.trim(), access_groups: accessGroups }),
    );
    if (saved) onSaved(saved);
  }

  return (
    <form className="card form" onSubmit={submit} noValidate aria-label={existing ? "edit alias" : "create alias"}>
      <h2>{existing ? `Edit alias ${existing.alias}` : "New model alias"}</h2>
      <div className="form-grid">
        {existing ? null : (
          <Field label="Alias" name="alias" error={errors.alias} hint="what teams put in `model`, e.g. ChatAgent">
            <input id="alias" value={alias} onChange={(e) => setAlias(e.target.value)} />
          </Field>
        )}
        <Field label="LiteLLM model" name="litellm_model" error={errors.litellm_model} hint="a model_name the proxy serves">
          <input id="litellm_model" value={model} onChange={(e) => setModel(e.target.value)} />
        </Field>
        <Field label="Input price (USD per 1M tokens)" name="input_price_per_million" error={errors.input_price_per_million}
          hint={existing ? undefined : "empty: LiteLLM's cost map"}>
          <input id="input_price_per_million" inputMode="decimal" value={inputPrice} onChange={(e) => setInputPrice(e.target.value)} />
        </Field>
        <Field label="Output price (USD per 1M tokens)" name="output_price_per_million" error={errors.output_price_per_million}
          hint={existing ? undefined : "empty: LiteLLM's cost map"}>
          <input id="output_price_per_million" inputMode="decimal" value={outputPrice} onChange={(e) => setOutputPrice(e.target.value)} />
        </Field>
        <Field label="Markup (%)" name="markup_percent" error={errors.markup_percent} hint="empty: the team's markup">
          <input id="markup_percent" inputMode="decimal" value={markup} onChange={(e) => setMarkup(e.target.value)} />
        </Field>
        <Field label="Description" name="description" error={errors.description}>
          <input id="description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
      </div>
      <label className="checkbox">
        <input type="checkbox" name="cache_enabled" checked={cache} onChange={(e) => setCache(e.target.checked)} />
        Cache identical requests
      </label>
      {existing ? null : (
        <Checklist name="access_groups" legend="Add to access groups" options={groups.map((g) => g.group_name)}
          chosen={accessGroups} onChange={setAccessGroups} empty="No access groups yet." />
      )}
      <ErrorMessage error={error} />
      <div className="row">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Saving…" : existing ? "Save alias" : "Create alias"}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Create an access group (`existing` undefined) or change its description and aliases. */
export function GroupForm({ existing, aliases, onSaved, onCancel }: {
  existing?: AccessGroup;
  aliases: ModelAlias[];
  onSaved: (group: AccessGroup) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(existing?.group_name ?? "");
  const [description, setDescription] = useState(existing?.description ?? "");
  const [chosen, setChosen] = useState<string[]>(existing?.model_aliases ?? []);
  const [errors, setErrors] = useState<FieldErrors>({});
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors = {
      group_name: existing ? "" : (identifierError(name, "Group name") ?? ""),
      description: description.length > 2000 ? "at most 2000 characters" : "",
    };
    setErrors(found);
    if (hasErrors(found)) return;
    const body = { description: description.trim() || null, model_aliases: chosen };
    const saved = await run(() =>
      existing
        ? api.put<AccessGroup>(`/api/model-access-groups/${seg(existing.group_name)}`, body)
        : api.post<AccessGroup>("/api/model-access-groups/create", { ...body, group_name: name.trim() }),
    );
    if (saved) onSaved(saved);
  }

  return (
    <form className="card form" onSubmit={submit} noValidate aria-label={existing ? "edit group" : "create group"}>
      <h2>{existing ? `Edit group ${existing.group_name}` : "New access group"}</h2>
      <div className="form-grid">
        {existing ? null : (
          <Field label="Group name" name="group_name" error={errors.group_name}>
            <input id="group_name" value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
        )}
        <Field label="Description" name="group_description" error={errors.description}>
          <input id="group_description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
      </div>
      <Checklist name="model_aliases" legend="Aliases in this group" options={aliases.map((a) => a.alias)}
        chosen={chosen} onChange={setChosen} empty="No aliases yet: create one first." />
      <ErrorMessage error={error} />
      <div className="row">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Saving…" : existing ? "Save group" : "Create group"}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
