import { Route, Routes } from 'react-router-dom';
import IncidentPage from './IncidentPage.js';
import ListPage from './ListPage.js';
import ArchivedIncidentPage from '../archive/ArchivedIncidentPage.js';

/** /incidents: the search list, /incidents/:id the incident page, /incidents/archived/:code an archived case (read-only). */
export default function IncidentsPage() {
  return (
    <Routes>
      <Route index element={<ListPage />} />
      <Route path=":id" element={<IncidentPage />} />
      <Route path="archived/:code" element={<ArchivedIncidentPage />} />
    </Routes>
  );
}
