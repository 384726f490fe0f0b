CREATE TABLE items (id INTEGER PRIMARY KEY); -- {{db_engine}}
