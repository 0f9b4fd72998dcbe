import { api } from '../../shell/api.js';

export type TargetType = 'place' | 'household' | 'resident';
export type QuestionType = 'yes_no' | 'choice' | 'number' | 'text' | 'photo';
export type Answer = boolean | number | string | string[];

export interface Question {
  key: string;
  label: string;
  type: QuestionType;
  required: boolean;
  options?: string[];
  problemAnswers?: (string | boolean)[];
}

export interface Campaign {
  id: number;
  title: string;
  description: string | null;
  targetType: TargetType;
  placeTypes: string[];
  questions: Question[];
  owner: { code: string; name: string };
  grids: { code: string; name: string }[];
  categoryCode: string | null;
  deadline: string;
  status: 'draft' | 'pushed' | 'closed';
  version: number;
  createdAt: string;
  pushedAt: string | null;
  closedAt: string | null;
  progress: { total: number; done: number; problems: number };
}

export interface GridProgress { gridCode: string; name: string; total: number; done: number; problems: number }

export interface Target {
  targetId: number;
  gridCode: string;
  label: string;
  detail: string | null;
  response: { answers: Record<string, Answer>; problem: boolean; problemNote: string | null; incident: { id: number; code: string } | null; filledAt: string } | null;
}

export const campaignApi = {
  list: (status?: Campaign['status']) => api.get<{ items: Campaign[] }>('/api/campaigns', status ? { status } : {}),
  get: (id: number) => api.get<Campaign>(`/api/campaigns/${id}`),
  create: (body: { title: string; description?: string; targetType: TargetType; questions: Question[]; gridCodes: string[]; deadline: string; categoryCode?: string }) => api.post<Campaign>('/api/campaigns', body),
  push: (id: number, version: number) => api.post<Campaign>(`/api/campaigns/${id}/push`, { version }),
  close: (id: number, version: number) => api.post<Campaign>(`/api/campaigns/${id}/close`, { version }),
  progress: (id: number) => api.get<{ items: GridProgress[] }>(`/api/campaigns/${id}/progress`),
  targets: (id: number, query: { status?: 'pending' | 'done'; gridCode?: string } = {}) => api.get<{ items: Target[]; total: number }>(`/api/campaigns/${id}/targets`, query),
  respond: (id: number, body: { targetId: number; answers: Record<string, Answer>; problemNote?: string }) => api.post<Target>(`/api/campaigns/${id}/responses`, body),
};

/** Ready-made forms for the usual campaigns (editable before saving). */
export const TEMPLATES: { name: string; targetType: TargetType; questions: Question[] }[] = [
  {
    name: '消防安全排查', targetType: 'place', questions: [
      { key: 'q1', label: '灭火器在有效期内', type: 'yes_no', required: true, problemAnswers: [false] },
      { key: 'q2', label: '安全出口', type: 'choice', required: true, options: ['畅通', '堵塞'], problemAnswers: ['堵塞'] },
      { key: 'q3', label: '存在私拉乱接电线', type: 'yes_no', required: true, problemAnswers: [true] },
      { key: 'q4', label: '灭火器数量', type: 'number', required: false },
      { key: 'q5', label: '现场照片', type: 'photo', required: true },
    ],
  },
  {
    name: '社保核查', targetType: 'resident', questions: [
      { key: 'q1', label: '已参加养老保险', type: 'yes_no', required: true, problemAnswers: [false] },
      { key: 'q2', label: '参保类型', type: 'choice', required: false, options: ['职工', '城乡居民', '未参保'] },
      { key: 'q3', label: '备注', type: 'text', required: false },
    ],
  },
  {
    name: '疫情防控', targetType: 'household', questions: [
      { key: 'q1', label: '在家人数', type: 'number', required: true },
      { key: 'q2', label: '有发热等症状人员', type: 'yes_no', required: true, problemAnswers: [true] },
      { key: 'q3', label: '备注', type: 'text', required: false },
    ],
  },
];
