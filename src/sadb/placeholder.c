int skua_placeholder_sadb;
