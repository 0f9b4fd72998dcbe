export interface DepartmentTable {
  code: string;
  name: string;
  name_en: string;
  status: 'active' | 'retired';
  created_at: number;
  updated_at: number;
}

export interface DepartmentTables {
  departments: DepartmentTable;
}
