/* accounts.fcgi: accounts and their members, invites, membership tiers.
 * Mounted at /v1, so each route names its group (/accounts, /invites,
 * /membership) and one program serves the three mounts. */
#ifndef GH_ACCOUNTS_HANDLERS_H
#define GH_ACCOUNTS_HANDLERS_H

#include "router.h"

/* accounts.c */
enum gh_err	accounts_list(struct gh_req *, struct gh_res *);
enum gh_err	accounts_create(struct gh_req *, struct gh_res *);
enum gh_err	accounts_get(struct gh_req *, struct gh_res *);
enum gh_err	accounts_patch(struct gh_req *, struct gh_res *);
enum gh_err	accounts_members(struct gh_req *, struct gh_res *);
enum gh_err	accounts_member_patch(struct gh_req *, struct gh_res *);
enum gh_err	accounts_member_delete(struct gh_req *, struct gh_res *);
enum gh_err	accounts_switch(struct gh_req *, struct gh_res *);
/* invites.c */
enum gh_err	invites_create(struct gh_req *, struct gh_res *);
enum gh_err	invites_list(struct gh_req *, struct gh_res *);
enum gh_err	invites_preview(struct gh_req *, struct gh_res *);
enum gh_err	invites_accept(struct gh_req *, struct gh_res *);
enum gh_err	invites_revoke(struct gh_req *, struct gh_res *);
/* membership.c */
enum gh_err	membership_me(struct gh_req *, struct gh_res *);
enum gh_err	membership_redeem(struct gh_req *, struct gh_res *);

#endif
