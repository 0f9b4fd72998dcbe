import { Route, Routes } from 'react-router-dom';
import IncidentPage from './IncidentPage.js';
import ListPage from './ListPage.js';

/** /incidents: the search list, and /incidents/:id the incident page. */
export default function IncidentsPage() {
  return (
    <Routes>
      <Route index element={<ListPage />} />
      <Route path=":id" element={<IncidentPage />} />
    </Routes>
  );
}
