/* Private to the C files of fo_db (includes libopenvswitch headers). */
#ifndef FERRY_LIB_OVS_DB_FO_DB_INTERNAL_H
#define FERRY_LIB_OVS_DB_FO_DB_INTERNAL_H

#include "lib/ovs/db/fo-db.h"
#include "openvswitch/shash.h"

struct ovsdb_idl;
struct ovsdb_idl_txn;

struct fo_db {
  struct ovsdb_idl* idl;
  struct ovsdb_idl_txn* txn; /* the open status transaction, if any */
  bool txn_committed;        /* fo_db_txn_commit() was called on it */
  struct shash ifaces;       /* name -> Interface row, while txn is open */
  struct shash bridges;      /* name -> Bridge row, while txn is open */
  char* error;               /* why the last transaction failed */
};

/* Destroys the open transaction, if any (aborting it if it is in flight). */
void fo_db_txn_close(struct fo_db*);

#endif /* FERRY_LIB_OVS_DB_FO_DB_INTERNAL_H */
