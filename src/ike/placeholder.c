int skua_placeholder_ike;
