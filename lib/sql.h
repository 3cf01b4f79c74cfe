/* Private to db*.c: the SQL text of every statement, per dialect. */
#ifndef GH_SQL_H
#define GH_SQL_H

#include "db.h"

extern const char *const gh_sql_sqlite[GH_STMT__MAX];
extern const char *const gh_migrations_sqlite[];

#endif
