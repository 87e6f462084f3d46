-- seed (runs before init.gql: "init-seed.sql" < "init.gql")
INSERT INTO log VALUES ('seed');
