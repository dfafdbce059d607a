// The ownership graph the garbage collector keeps from metadata informers.
//
//   nodes:       uid ─► Node (what we last saw of an object: identity, owners, deletion state)
//   dependents:  owner uid ─► Set<dependent uid>   (owners need not be nodes: they may be unknown or gone)
//
// Invariant: d ∈ dependents[o] ⇔ nodes[d] exists and some ownerReference of nodes[d] has uid o.
import type { OwnerReference, ResourceRef } from '../../client';

export interface Node {
  uid: string;
  resource: ResourceRef;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  owners: OwnerReference[];
  deleting: boolean;
  finalizers: string[];
}

export class Graph {
  private readonly nodes = new Map<string, Node>();
  private readonly deps = new Map<string, Set<string>>();

  get(uid: string): Node | undefined {
    return this.nodes.get(uid);
  }

  size(): number {
    return this.nodes.size;
  }

  /** Inserts or replaces a node; returns the previous version. */
  upsert(n: Node): Node | undefined {
    const old = this.nodes.get(n.uid);
    if (old) this.unlink(old);
    this.nodes.set(n.uid, n);
    for (const o of n.owners) {
      let s = this.deps.get(o.uid);
      if (!s) this.deps.set(o.uid, (s = new Set()));
      s.add(n.uid);
    }
    return old;
  }

  remove(uid: string): Node | undefined {
    const old = this.nodes.get(uid);
    if (!old) return undefined;
    this.unlink(old);
    this.nodes.delete(uid);
    return old;
  }

  private unlink(n: Node): void {
    for (const o of n.owners) {
      const s = this.deps.get(o.uid);
      if (!s) continue;
      s.delete(n.uid);
      if (s.size === 0) this.deps.delete(o.uid);
    }
  }

  dependentsOf(ownerUid: string): Node[] {
    return [...(this.deps.get(ownerUid) ?? [])].map((u) => this.nodes.get(u)).filter((n): n is Node => !!n);
  }

  /** Owners referenced by some node but not observed themselves (gone, not yet seen, or of an unwatched kind). */
  absentOwners(): string[] {
    return [...this.deps.keys()].filter((u) => !this.nodes.has(u));
  }

  /** Dependents whose reference to the owner has blockOwnerDeletion=true. */
  blockingDependentsOf(ownerUid: string): Node[] {
    return this.dependentsOf(ownerUid).filter((d) => d.owners.some((o) => o.uid === ownerUid && o.blockOwnerDeletion === true));
  }
}
