export interface DepartmentTable {
  code: string;
  name: string;
  name_en: string;
  status: 'active' | 'retired';
  /** A street's own handling unit (community, street office): the street's grid code; null for a district department. */
  street_code: string | null;
  created_at: number;
  updated_at: number;
}

export interface DepartmentTables {
  departments: DepartmentTable;
}
