import { Alert, App, Button, Checkbox, DatePicker, Input, Popconfirm, Select, Space, Switch, Table, TimePicker, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { workforceApi, type RotaException, type RotaText, type ShiftText, type TeamDetail, type TeamSummary } from './api.js';
import { beijingDate } from './common.js';
import { useWorkforceText, type WorkforceMessageKey } from './messages.js';

const DAYS = [1, 2, 3, 4, 5, 6, 0];
const HM = 'HH:mm';
const toTime = (s: string) => dayjs(`2000-01-01T${s}:00`);

/** 排班: a team's weekly pattern (following the working calendar or not) and the changes for single days. */
export default function RotaPanel() {
  const wt = useWorkforceText();
  const { t } = useI18n();
  const { can } = useAuth();
  const { message } = App.useApp();
  const manage = can('workforce.manage');
  const [teams, setTeams] = useState<TeamSummary[]>([]);
  const [teamId, setTeamId] = useState<number | null>(null);
  const [team, setTeam] = useState<TeamDetail | null>(null);
  const [rota, setRota] = useState<RotaText | null>(null);
  const [month, setMonth] = useState(beijingDate().slice(0, 7));
  const [exceptions, setExceptions] = useState<RotaException[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void workforceApi.teams({}).then((r) => {
      setTeams(r.items);
      if (r.items[0]) setTeamId((id) => id ?? r.items[0]!.id);
    }).catch((err: unknown) => setError(errorMessage(err)));
  }, []);

  const loadExceptions = (id: number, m: string) => {
    const last = dayjs(`${m}-01`).endOf('month').format('YYYY-MM-DD');
    void workforceApi.rota(id, `${m}-01`, last).then((r) => setExceptions(r.exceptions)).catch((err: unknown) => setError(errorMessage(err)));
  };
  useEffect(() => {
    if (teamId === null) return;
    void workforceApi.team(teamId).then((t) => {
      setTeam(t);
      setRota(t.rota);
    }).catch((err: unknown) => setError(errorMessage(err)));
    loadExceptions(teamId, month);
  }, [teamId, month]);

  const setDay = (day: number, shift: ShiftText | null) => setRota((r) => (r ? { ...r, weekly: r.weekly.map((s, i) => (i === day ? shift : s)) } : r));

  return (
    <div data-testid="workforce-rota">
      <Space wrap style={{ marginBottom: 12 }}>
        <Typography.Text>{wt('rota.team')}</Typography.Text>
        <Select
          style={{ minWidth: 280 }}
          showSearch={{ optionFilterProp: 'label' }}
          placeholder={wt('rota.pickTeam')}
          value={teamId ?? undefined}
          onChange={setTeamId}
          options={teams.map((t) => ({ value: t.id, label: `${t.name}（${t.streetName}）` }))}
          data-testid="rota-team"
        />
      </Space>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      {team && rota && (
        <>
          <Typography.Title level={5}>{wt('rota.weekly')}</Typography.Title>
          <Table
            rowKey={(d) => d}
            size="small"
            pagination={false}
            dataSource={DAYS}
            data-testid="rota-weekly"
            style={{ maxWidth: 640 }}
            columns={[
              { title: '', render: (_, d) => wt(`rota.day.${d}` as WorkforceMessageKey) },
              {
                title: wt('rota.onDuty'),
                render: (_, d) => (
                  <Switch
                    disabled={!manage}
                    checked={rota.weekly[d] !== null}
                    onChange={(on) => setDay(d, on ? (rota.weekly.find((s) => s) ?? { start: '08:30', end: '17:30' }) : null)}
                    data-testid={`rota-day-${d}`}
                  />
                ),
              },
              {
                title: `${wt('rota.start')} – ${wt('rota.end')}`,
                render: (_, d) => {
                  const s = rota.weekly[d];
                  if (!s) return <Typography.Text type="secondary">{wt('rota.off')}</Typography.Text>;
                  return (
                    <TimePicker.RangePicker
                      format={HM}
                      disabled={!manage}
                      allowClear={false}
                      value={[toTime(s.start), toTime(s.end)]}
                      onChange={(v) => v && v[0] && v[1] && setDay(d, { start: v[0].format(HM), end: v[1].format(HM) })}
                    />
                  );
                },
              },
            ]}
          />
          <Space style={{ margin: '12px 0' }}>
            <Checkbox disabled={!manage} checked={rota.followCalendar} onChange={(e) => setRota({ ...rota, followCalendar: e.target.checked })} data-testid="rota-calendar">
              {wt('rota.followCalendar')}
            </Checkbox>
            {manage && (
              <Button
                type="primary"
                data-testid="rota-save"
                onClick={async () => {
                  try {
                    const t = await workforceApi.putRota(team.id, rota, team.version);
                    setTeam(t);
                    setRota(t.rota);
                    void message.success(wt('rota.saved'));
                  } catch (err) {
                    void message.error(errorMessage(err));
                  }
                }}
              >
                {t('common.save')}
              </Button>
            )}
          </Space>
          <Typography.Title level={5}>{wt('rota.exceptions')}</Typography.Title>
          <Space wrap style={{ marginBottom: 8 }}>
            <DatePicker picker="month" allowClear={false} value={dayjs(`${month}-01`)} onChange={(d) => d && setMonth(d.format('YYYY-MM'))} />
            {manage && <ExceptionForm team={team} onAdded={() => loadExceptions(team.id, month)} />}
          </Space>
          <Table<RotaException>
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={exceptions}
            data-testid="rota-exceptions"
            columns={[
              { title: wt('rota.exception.date'), dataIndex: 'date' },
              { title: wt('rota.exception.who'), render: (_, e) => e.memberName ?? wt('rota.exception.wholeTeam') },
              { title: wt('rota.exception.shift'), render: (_, e) => (e.shift ? `${e.shift.start}–${e.shift.end}` : wt('rota.exception.offDay')) },
              { title: wt('rota.exception.note'), dataIndex: 'note' },
              ...(manage
                ? [{
                    title: '',
                    render: (_: unknown, e: RotaException) => (
                      <Popconfirm title={t('common.confirmDelete')} onConfirm={async () => {
                        await workforceApi.removeException(team.id, e.id);
                        loadExceptions(team.id, month);
                      }}>
                        <Button size="small" danger>{t('common.delete')}</Button>
                      </Popconfirm>
                    ),
                  }]
                : []),
            ]}
          />
        </>
      )}
    </div>
  );
}

function ExceptionForm({ team, onAdded }: { team: TeamDetail; onAdded: () => void }) {
  const wt = useWorkforceText();
  const { message } = App.useApp();
  const [date, setDate] = useState<Dayjs | null>(null);
  const [memberId, setMemberId] = useState<number | null>(null);
  const [off, setOff] = useState(true);
  const [range, setRange] = useState<[Dayjs, Dayjs]>([toTime('08:30'), toTime('17:30')]);
  const [note, setNote] = useState('');
  return (
    <Space wrap data-testid="rota-exception-form">
      <DatePicker value={date} onChange={setDate} placeholder={wt('rota.exception.date')} />
      <Select
        style={{ minWidth: 160 }}
        value={memberId ?? 0}
        onChange={(v: number) => setMemberId(v === 0 ? null : v)}
        options={[{ value: 0, label: wt('rota.exception.wholeTeam') }, ...team.members.map((m) => ({ value: m.id, label: m.name }))]}
      />
      <Checkbox checked={off} onChange={(e) => setOff(e.target.checked)}>{wt('rota.exception.offDay')}</Checkbox>
      {!off && <TimePicker.RangePicker format={HM} allowClear={false} value={range} onChange={(v) => v && v[0] && v[1] && setRange([v[0], v[1]])} />}
      <Input style={{ width: 160 }} placeholder={wt('rota.exception.note')} value={note} onChange={(e) => setNote(e.target.value)} />
      <Button
        disabled={!date}
        onClick={async () => {
          try {
            await workforceApi.addException(team.id, { date: date!.format('YYYY-MM-DD'), memberId, shift: off ? null : { start: range[0].format(HM), end: range[1].format(HM) }, note });
            setNote('');
            onAdded();
          } catch (err) {
            void message.error(errorMessage(err));
          }
        }}
      >
        {wt('rota.exception.add')}
      </Button>
    </Space>
  );
}
