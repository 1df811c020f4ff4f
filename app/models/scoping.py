"""Community scope of rows that carry their community directly.

Every scoped model answers ``in_communities(ids)`` (a SQL condition) and ``scope_community_id``
(the community the row belongs to); rows that reach their community through a relation
(units, ownerships) implement both themselves.
"""


class InCommunity:
    """Mixin for models with a ``community_id`` column and a ``community`` relation."""

    @classmethod
    def in_communities(cls, ids):
        return cls.community_id.in_(ids)

    @property
    def scope_community_id(self):
        return self.community.id if self.community is not None else self.community_id
