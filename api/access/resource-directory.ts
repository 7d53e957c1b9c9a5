import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ExpiringCache } from '../../core/access/expiring-cache.js';
import type { ResourceRef } from '../../core/access/resource-scope.js';
import type { MetadataStore } from '../../core/metadata/metadata-store.js';
import type { OwnedKind, OwnerRecord } from '../../core/metadata/owners-repository.js';
import { KilnProject } from '../../core/temporal/search-attributes.js';
import type { SchedulesService } from '../schedules-service.js';

/**
 * Finds what access control matches on (project, model, team) for a resource named in a
 * request or shown in a list. Loads lazily and remembers for one request.
 */
export class ResourceDirectory {
  private readonly owners = new Map<OwnedKind, Promise<Map<string, OwnerRecord>>>();
  private modelProjects: Promise<Map<string, string>> | undefined;
  private projectModels: Promise<Map<string, string>> | undefined;

  /** `models`: model lookups shared between requests (see AccessService); default none. */
  constructor(
    private readonly deps: { metadata: MetadataStore; temporal: Client; schedules: SchedulesService },
    private readonly models?: ExpiringCache<string, ResourceRef>,
  ) {}

  private ownersOf(kind: OwnedKind): Promise<Map<string, OwnerRecord>> {
    let found = this.owners.get(kind);
    if (!found) this.owners.set(kind, (found = this.deps.metadata.owners.all(kind)));
    return found;
  }

  private async loadProjects(): Promise<void> {
    if (this.projectModels) return;
    const projects = this.deps.metadata.projects.list();
    this.projectModels = projects.then((list) => new Map(list.map((p) => [p.name, p.spec.model_name ?? p.name])));
    this.modelProjects = projects.then((list) => new Map(list.map((p) => [p.spec.model_name ?? p.name, p.name])));
  }

  private async teamOf(kind: OwnedKind, name: string): Promise<string | null> {
    return (await this.ownersOf(kind)).get(name)?.team ?? null;
  }

  async environment(name: string): Promise<ResourceRef> {
    const exists = !!(await this.deps.metadata.environments.get(name));
    return { kind: 'environment', name, team: await this.teamOf('environment', name), ...(exists ? {} : { isNew: true }) };
  }

  async dataset(name: string): Promise<ResourceRef> {
    const exists = !!(await this.deps.metadata.datasets.get(name));
    return { kind: 'dataset', name, team: await this.teamOf('dataset', name), ...(exists ? {} : { isNew: true }) };
  }

  /** A project (registered or about to be): its model is the spec's `model_name` when registered. */
  async project(name: string, kind: ResourceRef['kind'] = 'project', resourceName = name): Promise<ResourceRef> {
    await this.loadProjects();
    const model = (await this.projectModels!).get(name);
    return {
      kind,
      name: resourceName,
      project: name,
      model: model ?? name,
      team: await this.teamOf('project', name),
      ...(model === undefined ? { isNew: true } : {}),
    };
  }

  /** A model: the project whose `model_name` it is, and that project's team. */
  model(name: string): Promise<ResourceRef> {
    return this.models ? this.models.get(name, (model) => this.lookUpModel(model)) : this.lookUpModel(name);
  }

  private async lookUpModel(name: string): Promise<ResourceRef> {
    await this.loadProjects();
    const project = (await this.modelProjects!).get(name);
    return { kind: 'model', name, model: name, ...(project ? { project, team: await this.teamOf('project', project) } : {}) };
  }

  /** A run: its project from the metadata, or from Temporal while no record exists yet. */
  async run(id: string): Promise<ResourceRef> {
    const record = await this.deps.metadata.runs.getRun(id);
    const project = record?.project ?? (await this.workflowProject(id));
    return project ? this.project(project, 'run', id) : { kind: 'run', name: id };
  }

  async schedule(name: string): Promise<ResourceRef> {
    const project = await this.deps.schedules.projectOf(name);
    return project ? this.project(project, 'schedule', name) : { kind: 'schedule', name };
  }

  async experiment(id: string): Promise<ResourceRef> {
    const project = await this.workflowProject(id);
    return project ? this.project(project, 'experiment', id) : { kind: 'experiment', name: id };
  }

  /** A workspace: its project's project, model and team; without a project, its creator's team. */
  async workspace(name: string): Promise<ResourceRef> {
    const record = await this.deps.metadata.workspaces.get(name);
    if (record?.project) return { ...(await this.project(record.project, 'workspace', name)), isNew: false };
    return { kind: 'workspace', name, team: record?.team ?? null, ...(record ? {} : { isNew: true }) };
  }

  private async workflowProject(workflowId: string): Promise<string | undefined> {
    try {
      const description = await this.deps.temporal.workflow.getHandle(workflowId).describe();
      return description.typedSearchAttributes.get(KilnProject);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }
}
