import { api } from '../../shell/api.js';

export type PeerRole = 'parent' | 'child';

export interface CascadePeer {
  id: number;
  role: PeerRole;
  name: string;
  baseUrl: string;
  clientId: number;
  clientName: string | null;
  status: 'active' | 'disabled';
  createdAt: string;
  updatedAt: string;
}

export interface CascadeLink {
  peerId: number;
  peerName: string;
  peerRole: PeerRole;
  role: 'sender' | 'receiver';
  peerCode: string | null;
  peerStatus: string | null;
  status: 'pending' | 'linked' | 'closed' | 'returned' | 'failed';
  lastError: string | null;
  pendingMessages: number;
  createdAt: string;
  updatedAt: string;
}

export interface PeerInput {
  role: PeerRole;
  name: string;
  baseUrl: string;
  apiKey?: string;
  clientId: number;
  status?: 'active' | 'disabled';
}

export const cascadeApi = {
  peers: () => api.get<{ items: CascadePeer[] }>('/api/cascade/peers'),
  createPeer: (body: PeerInput) => api.post<CascadePeer>('/api/cascade/peers', body),
  updatePeer: (id: number, body: PeerInput) => api.put<CascadePeer>(`/api/cascade/peers/${id}`, body),
  ofIncident: (id: number) => api.get<{ link: CascadeLink | null; canSend: boolean; targets: { id: number; name: string; role: PeerRole }[] }>(`/api/incidents/${id}/cascade`),
  send: (id: number, body: { version: number; peerId?: number; note?: string }) => api.post<{ incident: { id: number; version: number } }>(`/api/incidents/${id}/cascade`, body),
};
