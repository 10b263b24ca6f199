from _typeshed import Incomplete

GEN5: Incomplete
