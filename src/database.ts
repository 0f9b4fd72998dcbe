import type { AuditTables } from './infra/audit/tables.js';
import type { AuthTables } from './infra/auth/tables.js';
import type { Migration } from 'kysely';
import type { Db } from './infra/db/database.js';
import type { Migrations } from './infra/db/migrator.js';
import { auditKeysMigration, auditMigration } from './infra/audit/migrations.js';
import { adminSystemReadMigration } from './modules/accounts/migrations.js';
import { authMigration } from './infra/auth/migrations.js';
import type { DepartmentTables } from './modules/departments/tables.js';
import { departmentsMigration, departmentStreetsMigration } from './modules/departments/migrations.js';
import type { GridTables } from './modules/grid/tables.js';
import { departmentGridHistoryMigration, departmentGridsMigration, gridHistoryMigration, gridMigration, gridWorkersMigration } from './modules/grid/migrations.js';
import type { IdempotencyTables } from './infra/idempotency/tables.js';
import { idempotencyMigration } from './infra/idempotency/migrations.js';
import type { IncidentTables } from './modules/incidents/tables.js';
import { incidentListIndexesMigration, incidentSearchMigration, incidentsMigration, incidentWorkflowsMigration } from './modules/incidents/migrations.js';
import type { BasedataTables } from './modules/basedata/tables.js';
import { basedataMigration } from './modules/basedata/migrations.js';
import type { DemoTables } from './modules/demo/tables.js';
import { demoMigration, demoProgressKeyMigration } from './modules/demo/migrations.js';
import type { FileTables } from './infra/files/tables.js';
import { filesMigration } from './infra/files/migrations.js';
import { incidentFilesMigration, type IncidentFileTables } from './modules/incidents/attachments.js';
import { incidentTasksMigration } from './modules/incidents/tasks.js';
import type { WorkforceTables } from './modules/workforce/tables.js';
import { assessmentMigration, assessmentPermissionsMigration, evaluationPermissionsMigration } from './modules/evaluation/migrations.js';
import type { AssessmentTables } from './modules/evaluation/tables.js';
import type { ReportTables } from './modules/reports/tables.js';
import type { ApiClientTables } from './modules/clients/tables.js';
import { apiClientsMigration, shareJobsMigration } from './modules/clients/migrations.js';
import type { HotlineLinkTables } from './modules/hotline-link/tables.js';
import { hotlineOrdersMigration } from './modules/hotline-link/migrations.js';
import { reportsMigration, reportsPermissionsMigration } from './modules/reports/migrations.js';
import type { WebhookTables } from './modules/webhooks/tables.js';
import { webhookDeliveriesMigration, webhooksMigration } from './modules/webhooks/migrations.js';
import { gridWorkerMembersMigration, workforceMigration, workforcePermissionsMigration } from './modules/workforce/migrations.js';
import type { CitizenTables } from './modules/citizens/tables.js';
import { citizensMigration, publicFlagsMigration } from './modules/citizens/migrations.js';
import type { PartyTables } from './modules/party/tables.js';
import type { CadreTables } from './modules/cadres/tables.js';
import type { LivelihoodTables } from './modules/livelihood/tables.js';
import { addPartyEditColumns, createPartyTables, dropPartyEditColumns, dropPartyTables, mechanismPermissionsMigration } from './modules/party/migrations.js';
import { addCadreEditColumns, createCadreTables, dropCadreEditColumns, dropCadreTables } from './modules/cadres/migrations.js';
import { createLivelihoodTables, dropLivelihoodTables, livelihoodMeetingDecisionMigration } from './modules/livelihood/migrations.js';

import type { HotlineTables } from './modules/hotline/tables.js';
import { hotlineMigration } from './modules/hotline/migrations.js';
import type { SuggesterTables } from './modules/incidents/suggester/tables.js';
import { suggesterMigration } from './modules/incidents/suggester/migrations.js';

import type { MeetingTables } from './modules/meetings/tables.js';
import { meetingsMigration } from './modules/meetings/migrations.js';
import type { CampaignTables } from './modules/campaigns/tables.js';
import { campaignsMigration, createCampaignPhotoTable, dropCampaignPhotoTable } from './modules/campaigns/migrations.js';

import type { CommandTables } from './modules/command/tables.js';
import type { ClusterTables } from './infra/cluster/tables.js';
import { clusterMigration } from './infra/cluster/migrations.js';
import { fieldTasksMigration, notificationsMigration } from './modules/command/migrations.js';
import type { ExchangeTables } from './modules/exchange/tables.js';
import { exchangeCaseImportsMigration } from './modules/exchange/migrations.js';
import type { CascadeTables } from './modules/cascade/tables.js';
import { cascadeMigration, cascadePermissionsMigration } from './modules/cascade/migrations.js';

/** Every table of the platform: each module declares its own, this joins them. */
export interface Database extends AuthTables, AuditTables, DepartmentTables, GridTables, IdempotencyTables, IncidentTables, BasedataTables, FileTables, IncidentFileTables, DemoTables, WorkforceTables, ReportTables, AssessmentTables, ApiClientTables, HotlineLinkTables,
  PartyTables, CadreTables, LivelihoodTables, HotlineTables, SuggesterTables, MeetingTables, CampaignTables, WebhookTables, CommandTables, CitizenTables, ClusterTables,
  ExchangeTables, CascadeTables {}

export type AppDb = Db<Database>;

/** 0068: party building, linked cadres and livelihood projects (issue 18, parts 1–3), one version for the three modules' tables. */
const partyCadresLivelihoodMigration: Migration = {
  async up(db) {
    await createPartyTables(db);
    await createCadreTables(db);
    await createLivelihoodTables(db);
  },
  async down(db) {
    await dropLivelihoodTables(db);
    await dropCadreTables(db);
    await dropPartyTables(db);
  },
};

/** 0080: editing, transferring and ending party organisations, members and cadres; photos of campaign answers (issue 18's last gaps). */
const mechanismEditsMigration: Migration = {
  async up(db) {
    await addPartyEditColumns(db);
    await addCadreEditColumns(db);
    await createCampaignPhotoTable(db);
  },
  async down(db) {
    await dropCampaignPhotoTable(db);
    await dropCadreEditColumns(db);
    await dropPartyEditColumns(db);
  },
};

/**
 * One ordered list of migrations for both dialects. Names are versions:
 * never rename or edit a released one; add a new one.
 */
export const MIGRATIONS: Migrations = {
  '0001_auth': authMigration,
  '0002_audit': auditMigration,
  '0003_departments': departmentsMigration,
  '0004_grid': gridMigration,
  '0005_grid_history': gridHistoryMigration,
  '0006_grid_workers': gridWorkersMigration,
  '0007_grid_department_grids': departmentGridsMigration,
  '0008_grid_department_grid_history': departmentGridHistoryMigration,
  '0010_idempotency': idempotencyMigration,
  '0011_incidents': incidentsMigration,
  '0012_files': filesMigration,
  '0013_incident_files': incidentFilesMigration,
  '0020_basedata': basedataMigration,
  '0030_demo': demoMigration,
  '0040_incident_list_indexes': incidentListIndexesMigration,
  '0041_incident_search': incidentSearchMigration,
  '0042_audit_keys': auditKeysMigration,
  '0043_admin_system_read': adminSystemReadMigration,
  '0044_incident_tasks': incidentTasksMigration,
  '0047_incident_workflows': incidentWorkflowsMigration,
  '0051_evaluation_permissions': evaluationPermissionsMigration,
  '0052_assessment': assessmentMigration,
  '0053_assessment_permissions': assessmentPermissionsMigration,
  '0056_reports': reportsMigration,
  '0057_reports_permissions': reportsPermissionsMigration,
  '0060_workforce': workforceMigration,
  '0061_grid_worker_members': gridWorkerMembersMigration,
  '0062_workforce_permissions': workforcePermissionsMigration,
  '0063_api_clients': apiClientsMigration,
  '0070_meetings': meetingsMigration,
  '0071_campaigns': campaignsMigration,
  '0074_hotline_orders': hotlineOrdersMigration,
  '0068_party_cadres_livelihood': partyCadresLivelihoodMigration,
  '0069_party_cadres_livelihood_permissions': mechanismPermissionsMigration,
  '0072_notifications': notificationsMigration,
  '0073_field_tasks': fieldTasksMigration,
  '0075_demo_progress_key': demoProgressKeyMigration,
  '0076_share_jobs': shareJobsMigration,
  '0066_hotline': hotlineMigration,
  '0067_incident_suggester': suggesterMigration,
  '0077_webhooks': webhooksMigration,
  '0078_webhook_deliveries': webhookDeliveriesMigration,
  '0064_citizens': citizensMigration,
  '0065_public_flags': publicFlagsMigration,
  '0079_department_streets': departmentStreetsMigration,
  '0080_mechanism_edits': mechanismEditsMigration,
  '0081_cascade': cascadeMigration,
  '0082_cascade_permissions': cascadePermissionsMigration,
  '0083_exchange_case_imports': exchangeCaseImportsMigration,
  '0084_livelihood_meeting_decision': livelihoodMeetingDecisionMigration,
  '0085_cluster': clusterMigration,
};
