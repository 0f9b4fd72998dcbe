/** One stored file, by content hash (the file store knows no domain). */
export interface FileTable {
  /** sha256 of the exact bytes uploaded, lower-case hex. */
  hash: string;
  size: number;
  mime: string;
  width: number | null;
  height: number | null;
  /** Size of the generated thumbnail, 0 when there is none. */
  thumbnail_size: number;
  /** The first uploader; every uploader is in file_uploads. */
  uploaded_by: number | null;
  created_at: number;
}

/** Each user who uploaded a file (the same content uploaded twice is stored once). */
export interface FileUploadTable {
  hash: string;
  user_id: number;
  created_at: number;
}

export interface FileTables {
  files: FileTable;
  file_uploads: FileUploadTable;
}
