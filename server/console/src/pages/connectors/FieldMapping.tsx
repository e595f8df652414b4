import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Notice } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { connectorsKey, crmName, profileFields, type Connection } from './connectors-api';

interface MappingRow {
  crmField: string;
  profileField: string;
}

/** Which CRM field takes which profile field; what a withdrawn consent does. Checked by the Hub (it names the bad field). */
export function FieldMapping({ connection, path }: { connection: Connection; path: string }) {
  const listId = useId();
  const crm = crmName(connection.kind);
  const [rows, setRows] = useState<MappingRow[]>(Object.entries(connection.settings.fieldMapping ?? {}).map(([crmField, profileField]) => ({ crmField, profileField })));
  const [onWithdrawal, setOnWithdrawal] = useState(connection.settings.onWithdrawal ?? 'update');
  const save = useAction(
    () => api<Connection>(path, { method: 'PATCH', body: { settings: { fieldMapping: Object.fromEntries(rows.filter((row) => row.crmField.trim()).map((row) => [row.crmField.trim(), row.profileField.trim()])), onWithdrawal } } }),
    [[...connectorsKey]],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const change = (index: number, row: Partial<MappingRow>) => setRows(rows.map((one, i) => (i === index ? { ...one, ...row } : one)));
  return (
    <form className="section" onSubmit={submit} aria-label="Field mapping">
      <h2>Field mapping</h2>
      <datalist id={listId}>
        {profileFields.map((field) => (
          <option key={field} value={field} />
        ))}
        <option value="traits." />
      </datalist>
      <table className="mapping" aria-label="Fields">
        <thead>
          <tr>
            <th scope="col">{crm} field</th>
            <th scope="col">Profile field (or traits.name)</th>
            <th scope="col">
              <span className="sr-only">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}>
              <td>
                <input aria-label={`${crm} field ${index + 1}`} value={row.crmField} onChange={(event) => change(index, { crmField: event.target.value })} />
              </td>
              <td>
                <input aria-label={`Profile field ${index + 1}`} list={listId} value={row.profileField} onChange={(event) => change(index, { profileField: event.target.value })} />
              </td>
              <td>
                <button type="button" className="button small" aria-label={`Remove field ${index + 1}`} onClick={() => setRows(rows.filter((_, i) => i !== index))}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div>
        <button type="button" className="button small" onClick={() => setRows([...rows, { crmField: '', profileField: '' }])}>
          Add field
        </button>
      </div>
      <label className="field inline">
        <span>When a customer withdraws consent</span>
        <select value={onWithdrawal} onChange={(event) => setOnWithdrawal(event.target.value as 'delete' | 'update')}>
          <option value="delete">{connection.kind === 'hubspot' ? 'archive the contact' : 'delete the record'}</option>
          <option value="update">keep the record and mark it opted out</option>
        </select>
      </label>
      {save.error && <Notice tone="bad">{save.error.message}</Notice>}
      {save.isSuccess && <Notice tone="ok">Mapping saved.</Notice>}
      <div>
        <button type="submit" className="button" disabled={save.isPending}>
          Save mapping
        </button>
      </div>
    </form>
  );
}
