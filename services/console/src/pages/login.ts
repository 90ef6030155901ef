import { api } from "../api";
import { h, replace } from "../dom";
import type { User } from "../types";

export function loginPage(signedIn: (user: User) => void): HTMLElement {
  const message = h("p", { class: "error", role: "alert" });
  const username = h("input", {
    name: "username",
    autocomplete: "username",
    required: true,
    maxlength: 100,
  });
  const password = h("input", {
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
    maxlength: 1024,
  });
  const form = h(
    "form",
    { class: "login", id: "login-form" },
    h("h1", null, "登录"),
    h("label", null, "用户名", username),
    h("label", null, "密码", password),
    h("button", { type: "submit", class: "primary" }, "登录"),
    message,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void (async () => {
      const r = await api.post<{ user: User }>("/api/auth/login", {
        username: username.value,
        password: password.value,
      });
      password.value = "";
      if (r.ok) return signedIn(r.data.user);
      // One message for unknown user and wrong password: the page must not tell them apart.
      replace(
        message,
        r.status === 401
          ? "用户名或密码错误"
          : r.status === 429
            ? "尝试次数过多，请稍后再试"
            : r.unavailable
              ? "登录接口暂不可用"
              : `登录失败（${r.error}）`,
      );
    })();
  });
  return h("section", { class: "login-page" }, form);
}
