/**
 * The identity graph: which customer profile each identifier (userId,
 * anonymousId, email, phone, device id) belongs to, and how a message's
 * identifiers join profiles together. Pure: the ingest loads the part of the
 * graph a batch touches, resolves each message here in order, then writes
 * what changed.
 *
 * The rule, in words:
 * 1. A message belongs to the profile of its strongest known identifier
 *    (userId > email > phone > device id > anonymousId); with none known, to
 *    a new profile.
 * 2. Other profiles the message's identifiers point at are merged into that
 *    one: it survives, they keep pointing at it, and each merge records the
 *    identifier that caused it.
 * 3. A profile has at most one userId. Two profiles with different userIds
 *    are never merged by a shared identifier (an email on two user ids): the
 *    shared identifier stays where it was first seen, the clash is recorded as
 *    a conflict, and a message whose new userId meets a profile that already
 *    has another userId starts a profile of its own.
 * 4. `alias` is the explicit exception: it merges the previous id's profile
 *    into the user's, as the sender asked.
 * Unknown identifiers join the message's profile. Nothing crosses
 * workspaces: a graph holds one workspace's identifiers.
 */
export const identifierKinds = ['user_id', 'email', 'phone', 'device_id', 'anonymous_id'] as const;
export type IdentifierKind = (typeof identifierKinds)[number];

export interface Identifier {
  kind: IdentifierKind;
  /** The keyed hash the graph is indexed by. The kind is part of what is hashed, so the hash alone names the identifier, as in the identities table's key. */
  hash: string;
}

export interface Merge {
  survivor: string;
  merged: string;
  via: Identifier;
}

export interface Conflict {
  profile: string;
  other: string;
  via: Identifier;
}

export interface Resolution {
  profileId: string;
  created: boolean;
  merges: Merge[];
  conflicts: Conflict[];
  /** Identifiers new to the graph, now on `profileId`. */
  attached: Identifier[];
}

const strength = (identifier: Identifier) => identifierKinds.indexOf(identifier.kind);

export class IdentityGraph {
  private readonly owners = new Map<string, string>();
  private readonly userIds = new Map<string, Set<string>>();
  private readonly survivors = new Map<string, string>();

  constructor(
    known: readonly (Identifier & { profileId: string })[],
    private readonly newProfileId: () => string,
  ) {
    for (const entry of known) this.own(entry, entry.profileId);
  }

  /** The surviving profile for an id (itself unless it was merged). */
  canonical(profileId: string): string {
    let id = profileId;
    for (let next = this.survivors.get(id); next; next = this.survivors.get(id)) id = next;
    return id;
  }

  ownerOf(identifier: Identifier): string | undefined {
    const owner = this.owners.get(identifier.hash);
    return owner === undefined ? undefined : this.canonical(owner);
  }

  resolve(identifiers: readonly Identifier[]): Resolution {
    const ordered = [...identifiers].sort((a, b) => strength(a) - strength(b));
    const merges: Merge[] = [];
    const conflicts: Conflict[] = [];
    const attached: Identifier[] = [];
    const userId = ordered.find((i) => i.kind === 'user_id');
    const strongest = ordered.find((i) => this.ownerOf(i) !== undefined);
    let profileId = strongest ? this.ownerOf(strongest)! : undefined;
    let created = false;
    if (userId && !this.ownerOf(userId) && profileId && this.hasUserId(profileId)) {
      // A new userId meeting a profile that already has another: rule 3.
      conflicts.push({ profile: profileId, other: profileId, via: strongest! });
      profileId = undefined;
    }
    if (!profileId) {
      profileId = this.newProfileId();
      created = true;
    }
    if (conflicts.length > 0) conflicts[0]!.profile = profileId;
    if (userId && !this.ownerOf(userId)) {
      this.own(userId, profileId);
      attached.push(userId);
    }
    for (const identifier of ordered) {
      const owner = this.ownerOf(identifier);
      if (owner === undefined) {
        this.own(identifier, profileId);
        attached.push(identifier);
      } else if (owner !== profileId) {
        if (this.userIdsClash(owner, profileId)) {
          if (!conflicts.some((c) => c.other === owner)) conflicts.push({ profile: profileId, other: owner, via: identifier });
        } else {
          this.merge(owner, profileId);
          merges.push({ survivor: profileId, merged: owner, via: identifier });
        }
      }
    }
    return { profileId, created, merges, conflicts, attached };
  }

  /**
   * `alias`: the previous id's profile joins the user's, whatever userIds
   * they hold (rule 4). `previous` lists the forms the previous id may take
   * (a userId, then an anonymousId); the first one known is followed, and an
   * unknown one joins the user's profile as the last form.
   */
  alias(user: Identifier, previous: readonly Identifier[]): Resolution {
    const resolution = this.resolve([user]);
    const known = previous.find((identifier) => this.ownerOf(identifier) !== undefined);
    if (!known) {
      const form = previous.at(-1);
      if (form) {
        this.own(form, resolution.profileId);
        resolution.attached.push(form);
      }
      return resolution;
    }
    const owner = this.ownerOf(known)!;
    if (owner !== resolution.profileId) {
      this.merge(owner, resolution.profileId);
      resolution.merges.push({ survivor: resolution.profileId, merged: owner, via: known });
    }
    return resolution;
  }

  private own(identifier: Identifier, profileId: string): void {
    this.owners.set(identifier.hash, profileId);
    if (identifier.kind === 'user_id') this.userIdSet(profileId).add(identifier.hash);
  }

  private merge(merged: string, survivor: string): void {
    this.survivors.set(merged, survivor);
    for (const userId of this.userIds.get(merged) ?? []) this.userIdSet(survivor).add(userId);
    this.userIds.delete(merged);
  }

  private hasUserId(profileId: string): boolean {
    return (this.userIds.get(profileId)?.size ?? 0) > 0;
  }

  private userIdsClash(a: string, b: string): boolean {
    const left = this.userIds.get(a);
    const right = this.userIds.get(b);
    if (!left?.size || !right?.size) return false;
    return [...left].some((id) => !right.has(id)) || [...right].some((id) => !left.has(id));
  }

  private userIdSet(profileId: string): Set<string> {
    let set = this.userIds.get(profileId);
    if (!set) this.userIds.set(profileId, (set = new Set()));
    return set;
  }
}
